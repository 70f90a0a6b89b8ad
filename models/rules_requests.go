package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CheckPeakFlowReading reads a peak flow reading in litres a minute.
func CheckPeakFlowReading(litres string) (int, FieldErrors) {
	var errs FieldErrors
	n, ok := errs.wholeNumber("litres", litres, "Peak flow", true)
	if ok && (n < MinPeakFlowReading || n > MaxPeakFlowReading) {
		errs.Add("litres", fmt.Sprintf("Peak flow must be between %d and %d litres a minute", MinPeakFlowReading, MaxPeakFlowReading))
	}
	return n, errs
}

// CheckInField names the field of the check-in question at index i.
func CheckInField(i int) string { return fmt.Sprintf("q%d", i) }

// CheckInAnswers reads the answers, "yes" or "no", to a check-in's
// questions, worded for the person answering them.
func CheckInAnswers(answers, questions []string) ([]bool, FieldErrors) {
	var errs FieldErrors
	yes := make([]bool, len(questions))
	for i, question := range questions {
		var answer string
		if i < len(answers) {
			answer = answers[i]
		}
		switch answer {
		case "yes":
			yes[i] = true
		case "no":
		default:
			errs.Add(CheckInField(i)+"-yes", "Answer yes or no: "+question)
		}
	}
	return yes, errs
}

// CheckDecision checks a nurse's decision on a prescription request,
// entered in the request's reason field. A rejection needs a reason the
// patient will read; other decisions keep none.
func CheckDecision(reasonField, decision, reason string) (string, FieldErrors) {
	var errs FieldErrors
	if decision != DecisionReject {
		// Approval and rejection share a form: a reason written and then
		// approved would be lost without a word.
		if strings.TrimSpace(reason) != "" {
			errs.Add(reasonField, "Select reject to send this reason, or delete it to approve the request")
		}
		return "", errs
	}
	errs.requireText(reasonField, reason, "Enter a reason for rejecting the request", "Reason", 1000)
	return reason, errs
}

// CheckAlertNote checks the note, entered in noteField, of what a nurse
// did about a red-zone alert.
func CheckAlertNote(noteField, note string) FieldErrors {
	var errs FieldErrors
	errs.requireText(noteField, note, "Enter a note about what you did", "Note", 1000)
	return errs
}

// CheckFeedback reads a satisfaction score from 1 to 5 and an optional
// comment.
func CheckFeedback(score, comment string) (int, FieldErrors) {
	var errs FieldErrors
	n, err := strconv.Atoi(score)
	if err != nil || n < 1 || n > 5 {
		errs.Add("score-5", "Select how satisfied you are")
	}
	errs.optionalText("comment", comment, "Your comment", 1000)
	return n, errs
}

// CheckShare reads who the emergency page is shared with, such as a
// school, and for how many days, one of ShareLengths.
func CheckShare(recipient, days string) (int, FieldErrors) {
	var errs FieldErrors
	errs.requireText("recipient", recipient, "Enter who you are sharing with, like the name of the school", "Who you are sharing with", 200)
	n, _ := strconv.Atoi(days)
	if !slices.Contains(ShareLengths, n) {
		errs.Add("days-7", "Select how long they can see it")
	}
	return n, errs
}
