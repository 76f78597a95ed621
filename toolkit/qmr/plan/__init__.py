"""The plan register: its layout, reading and checking it, the blank register, the examples, targets."""
