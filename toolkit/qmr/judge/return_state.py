"""A team's return state this period, worked out once for `status`, `validate`'s summary, the
master's Summary and the reminders (which cycle.py hands the teams to chase)."""

from __future__ import annotations

from collections.abc import Iterable

from qmr.model import ReturnState, SourceOutcome, SourceRecord


def return_states(teams: Iterable[str], sources: Iterable[SourceRecord]) -> dict[str, ReturnState]:
    """Each of `teams` -> its state, in the order given.

    Received: a file of the team was accepted; a superseded draft beside it is not a rejection.
    Rejected: files of the team came and were all turned away. Unreadable: the only files known to be
    the team's could not be read at all. Missing: nothing of the team's came (skipped files, such as
    an Excel lock file, are nobody's return).
    """
    outcomes: dict[str, set[tuple[SourceOutcome, bool]]] = {}
    for record in sources:
        if record.team:
            outcomes.setdefault(record.team, set()).add((record.outcome, record.identified))
    return {team: _state(outcomes.get(team, set())) for team in dict.fromkeys(teams)}


def _state(outcomes: set[tuple[SourceOutcome, bool]]) -> ReturnState:
    kinds = {outcome for outcome, _ in outcomes}
    if SourceOutcome.ACCEPTED in kinds:
        return ReturnState.RECEIVED
    if (SourceOutcome.REJECTED, True) in outcomes:
        return ReturnState.REJECTED
    if (SourceOutcome.REJECTED, False) in outcomes:
        return ReturnState.UNREADABLE
    return ReturnState.MISSING


def teams_in(states: dict[str, ReturnState], *wanted: ReturnState) -> list[str]:
    """The teams in any of the `wanted` states, in the states' order."""
    return [team for team, state in states.items() if state in wanted]
