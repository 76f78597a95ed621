Attribute VB_Name = "QmrReturnCheck"
' For teams whose IT allows macros: highlight the problems in a qmr return before sending it.
'
' The return itself has no macros and needs none: its Check column and the line at the top of
' each sheet already say what is missing. This module only makes those problems easier to find in
' a long return: it reads the same Check column (so it flags exactly what the workbook's own check
' flags, which is what qmr would report), colours each flagged row's input cells, lists the
' problems, and selects the first one. ClearProblemHighlights removes the colouring again.
'
' Import it into Personal.xlsb (Developer > Visual Basic > File > Import File...) so that it is in
' no return you send: a return carrying a macro is flagged when it comes back.
' The positions below are the return layout's (qmr.returns.layout); a test keeps them in step.
Option Explicit

Private Const STATUS_ROW As Long = 2    ' "Ready to send" / "3 problems"
Private Const HEADER_ROW As Long = 4    ' column headings, including "Check"
Private Const FIRST_ROW As Long = 5     ' the first item row
Private Const CHECK_HEADER As String = "Check"
Private Const READY As String = "Ready to send"
Private Const HIGHLIGHT As Long = 13421823  ' RGB(255, 204, 204): pale red, black text stays readable

Public Sub HighlightReturnProblems()
    Dim sheet As Worksheet, problems As Collection, first As Range
    Set problems = New Collection
    Application.Calculate
    For Each sheet In ActiveWorkbook.Worksheets
        If sheet.Visible = xlSheetVisible Then CheckSheet sheet, problems, first
    Next sheet
    If problems.Count = 0 Then
        MsgBox READY & ": the check finds nothing to fix.", vbInformation, "qmr return"
        Exit Sub
    End If
    Dim text As String, item As Variant, shown As Long
    For Each item In problems
        shown = shown + 1
        If shown > 25 Then
            text = text & "... and " & (problems.Count - 25) & " more" & vbCrLf
            Exit For
        End If
        text = text & item & vbCrLf
    Next item
    If Not first Is Nothing Then
        first.Worksheet.Activate
        first.Select
    End If
    MsgBox problems.Count & " problem(s) to fix (highlighted):" & vbCrLf & vbCrLf & text, vbExclamation, "qmr return"
End Sub

Public Sub ClearProblemHighlights()
    Dim sheet As Worksheet, column As Long, lastRow As Long, row As Long, cell As Range
    For Each sheet In ActiveWorkbook.Worksheets
        column = CheckColumn(sheet)
        If column > 0 Then
            lastRow = sheet.Cells(sheet.Rows.Count, column).End(xlUp).row
            sheet.Unprotect  ' qmr protects without a password: a guard against accidents only
            For row = FIRST_ROW To lastRow
                For Each cell In sheet.Range(sheet.Cells(row, 1), sheet.Cells(row, column - 1))
                    If Not cell.Locked And cell.Interior.Color = HIGHLIGHT Then cell.Interior.Pattern = xlNone
                Next cell
            Next row
            sheet.Protect DrawingObjects:=True, Contents:=True, AllowFormattingColumns:=True, AllowFormattingRows:=True
        End If
    Next sheet
End Sub

Private Sub CheckSheet(ByVal sheet As Worksheet, ByVal problems As Collection, ByRef first As Range)
    Dim column As Long, lastRow As Long, row As Long, message As String, cell As Range
    column = CheckColumn(sheet)
    If column = 0 Then Exit Sub
    lastRow = sheet.Cells(sheet.Rows.Count, column).End(xlUp).row
    sheet.Unprotect
    For row = FIRST_ROW To lastRow
        message = Trim(CStr(sheet.Cells(row, column).Value))
        If message <> "" Then
            problems.Add sheet.Name & " row " & row & ": " & message
            For Each cell In sheet.Range(sheet.Cells(row, 1), sheet.Cells(row, column - 1))
                If Not cell.Locked Then
                    cell.Interior.Color = HIGHLIGHT
                    If first Is Nothing Then Set first = cell
                End If
            Next cell
        End If
    Next row
    sheet.Protect DrawingObjects:=True, Contents:=True, AllowFormattingColumns:=True, AllowFormattingRows:=True
End Sub

' The column whose heading is "Check" on HEADER_ROW, or 0 on a sheet without one.
Private Function CheckColumn(ByVal sheet As Worksheet) As Long
    Dim found As Range
    Set found = sheet.Rows(HEADER_ROW).Find(What:=CHECK_HEADER, LookAt:=xlWhole, MatchCase:=True)
    If found Is Nothing Then
        CheckColumn = 0
    Else
        CheckColumn = found.Column
    End If
End Function
