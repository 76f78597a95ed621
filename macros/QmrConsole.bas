Attribute VB_Name = "QmrConsole"
' qmr console buttons for the performance officer's control workbook (made by `qmr control-workbook`).
'
' Import into the control workbook (Developer > Visual Basic > File > Import File...), save it as
' .xlsm, and assign RunTemplates, RunStatus, RunValidate, RunConsolidate and RunReport to buttons.
' Each button saves the workbook (qmr reads the saved settings), runs
'     qmr <command> --control "<this workbook>" --quiet
' in the workbook's folder, then writes what happened into the named "Last run" cells and loads the
' findings report (a CSV qmr writes) into the Findings sheet.
'
' Only the officer's own workbook carries this module: returns sent to teams never contain macros.
' Named cells used (all made by `qmr control-workbook`): QMR_COMMAND, QMR_PERIOD, QMR_OUTPUT,
' QMR_LAST_COMMAND, QMR_LAST_RUN, QMR_LAST_EXIT, QMR_LAST_MESSAGE, QMR_FINDINGS.
Option Explicit

Public Sub RunTemplates()
    RunQmr "templates"
End Sub

Public Sub RunStatus()
    RunQmr "status"
End Sub

Public Sub RunValidate()
    RunQmr "validate"
End Sub

Public Sub RunConsolidate()
    RunQmr "consolidate"
End Sub

Public Sub RunReport()
    RunQmr "report"
End Sub

' Run one qmr command with this workbook's settings and show the result.
Private Sub RunQmr(ByVal command As String)
    Dim exe As String, line As String, output As String, exitCode As Long
    exe = Trim(CStr(NamedCell("QMR_COMMAND").Value))
    If exe = "" Then exe = "qmr"
    If Trim(CStr(NamedCell("QMR_PERIOD").Value)) = "" Then
        MsgBox "Fill in the Period on the Settings sheet first (e.g. 2015/16 Q3).", vbExclamation, "qmr"
        Exit Sub
    End If
    ThisWorkbook.Save ' qmr reads the settings from the saved file
    line = Quote(exe) & " " & command & " --control " & Quote(ThisWorkbook.FullName)
    Application.StatusBar = "qmr " & command & " is running..."
    exitCode = RunInFolder(line, ThisWorkbook.Path, output)
    Application.StatusBar = False

    NamedCell("QMR_LAST_COMMAND").Value = "qmr " & command
    NamedCell("QMR_LAST_RUN").Value = Now
    NamedCell("QMR_LAST_EXIT").Value = exitCode
    NamedCell("QMR_LAST_MESSAGE").Value = Left(output, 30000)
    If command = "validate" Then LoadFindings
    Select Case exitCode
        Case 0: MsgBox "qmr " & command & ": done, nothing to fix.", vbInformation, "qmr"
        Case 1: MsgBox "qmr " & command & ": done, with problems. See the Findings sheet and the Last run cells.", _
                       vbExclamation, "qmr"
        Case Else: MsgBox "qmr " & command & ": nothing was done." & vbCrLf & Left(output, 800), vbCritical, "qmr"
    End Select
End Sub

' Run a command line in a folder; returns its exit code, with what it printed in `output`.
Private Function RunInFolder(ByVal line As String, ByVal folder As String, ByRef output As String) As Long
#If Mac Then
    Dim script As String
    script = "cd " & Quote(folder) & " && " & line & " 2>&1; echo ""QMR_EXIT=$?"""
    output = MacScript("do shell script " & Chr(34) & Replace(Replace(script, "\", "\\"), Chr(34), "\" & Chr(34)) & Chr(34))
    RunInFolder = ExitFromOutput(output)
#Else
    Dim shell As Object, exec As Object
    Set shell = CreateObject("WScript.Shell")
    shell.CurrentDirectory = folder
    Set exec = shell.exec("cmd /c " & line & " 2>&1")
    Do While exec.Status = 0
        DoEvents
        Application.Wait Now + TimeSerial(0, 0, 1)
    Loop
    output = exec.StdOut.ReadAll
    RunInFolder = exec.exitCode
#End If
End Function

#If Mac Then
Private Function ExitFromOutput(ByRef output As String) As Long
    Dim at As Long
    at = InStrRev(output, "QMR_EXIT=")
    If at = 0 Then
        ExitFromOutput = 2
    Else
        ExitFromOutput = CLng(Val(Mid(output, at + 9)))
        output = Left(output, at - 1)
    End If
End Function
#End If

' The findings report's CSV for the period, loaded under the Findings sheet's header row.
Private Sub LoadFindings()
    Dim csvPath As String, period As String, slug As String, target As Range
    period = Trim(CStr(NamedCell("QMR_PERIOD").Value))
    slug = PeriodSlug(period)
    csvPath = ThisWorkbook.Path & Application.PathSeparator & Trim(CStr(NamedCell("QMR_OUTPUT").Value)) _
              & Application.PathSeparator & slug & Application.PathSeparator & "findings_" & slug & ".csv"
    Set target = NamedCell("QMR_FINDINGS")
    target.Worksheet.Range(target.Offset(1, 0), target.Worksheet.Cells(target.Worksheet.Rows.Count, _
        target.Column + 7)).ClearContents
    If Dir(csvPath) = "" Then Exit Sub
    Dim source As Workbook
    Set source = Workbooks.Open(Filename:=csvPath, ReadOnly:=True, Local:=False)
    With source.Worksheets(1).UsedRange
        If .Rows.Count > 1 Then
            target.Offset(1, 0).Resize(.Rows.Count - 1, .Columns.Count).Value = _
                .Offset(1, 0).Resize(.Rows.Count - 1, .Columns.Count).Value
        End If
    End With
    source.Close SaveChanges:=False
End Sub

' "2015/16 Q3" -> "2015-16-Q3", the slug qmr uses in folder and file names. qmr accepts other
' spellings (2015-16-Q3, Q3 2015/16); this helper only needs the one the Settings sheet suggests.
Private Function PeriodSlug(ByVal period As String) As String
    Dim parts() As String
    period = Replace(Replace(period, ":", " "), "-", "/")
    parts = Split(Application.WorksheetFunction.Trim(period), " ")
    If UBound(parts) = 1 Then
        If UCase(Left(parts(0), 1)) = "Q" Then
            PeriodSlug = Replace(parts(1), "/", "-") & "-" & UCase(parts(0))
        Else
            PeriodSlug = Replace(parts(0), "/", "-") & "-" & UCase(parts(1))
        End If
    Else
        PeriodSlug = Replace(period, "/", "-")
    End If
End Function

Private Function NamedCell(ByVal name As String) As Range
    Set NamedCell = ThisWorkbook.Names(name).RefersToRange
End Function

Private Function Quote(ByVal text As String) As String
    Quote = Chr(34) & text & Chr(34)
End Function
