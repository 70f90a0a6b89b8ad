package views

import (
	"fmt"
	"strings"

	"healthpassport/models"
)

// Voice is how a reader page speaks of the person whose passport it is: to
// them ("your peak flow"), or to their carer about them ("Amelia's peak
// flow"). The zero Voice speaks to the person themselves. Pages never say
// "he" or "she": a name is never a guide to someone's gender.
type Voice struct {
	// Name is how a carer knows the person, empty when the person reads
	// their own passport.
	Name string
}

// CarerVoice speaks to a carer about someone they look after.
func CarerVoice(name string) Voice { return Voice{Name: name} }

// ForCarer reports whether the page is read by a carer.
func (v Voice) ForCarer() bool { return v.Name != "" }

// Whose is "your", or the person's name as a possessive: "Amelia's".
func (v Voice) Whose() string {
	if v.ForCarer() {
		return v.Name + "'s"
	}
	return "your"
}

// Who is "you", or the person's name.
func (v Voice) Who() string {
	if v.ForCarer() {
		return v.Name
	}
	return "you"
}

// Question asks a check-in question of the reader: the template's words
// to the person, or their words about the person to a carer. Questions of
// templates written before there were words for carers are asked as
// written, after a line that tells the carer whom they are about.
func (v Voice) Question(q models.CheckInQuestion) string {
	if v.ForCarer() && q.AboutThem != "" {
		return strings.ReplaceAll(q.AboutThem, "{name}", v.Name)
	}
	return q.Text
}

// Capital begins a sentence with a word from a Voice: "Your", "Amelia's".
func Capital(word string) string {
	if word == "" {
		return word
	}
	return strings.ToUpper(word[:1]) + word[1:]
}

// NameForCarer is how a carer's pages name someone they look after: by
// first name, or by full name when they also look after someone else with
// that first name.
func NameForCarer(person models.Patient, people []models.CaredFor) string {
	for _, other := range people {
		if other.ID != person.ID && strings.EqualFold(other.GivenName, person.GivenName) {
			return person.FullName()
		}
	}
	return person.GivenName
}

// UnplannedCareQuestion asks whether the person needed urgent care because
// of their condition since the last check-in or review, if more than one
// kind the most serious.
func UnplannedCareQuestion(v Voice, condition, since string) string {
	condition = strings.ToLower(condition[:1]) + condition[1:]
	if v.ForCarer() {
		return fmt.Sprintf("Since the last %s, has %s needed urgent care because of %s? If more than one, choose the most serious.", since, v.Name, condition)
	}
	return fmt.Sprintf("Since your last %s, have you needed urgent care because of your %s? If more than one, choose the most serious.", since, condition)
}

// RCPAsked are the RCP questions as the reader is asked them.
func RCPAsked(v Voice) []string {
	asked := make([]string, len(models.RCPQuestions))
	for i, q := range models.RCPQuestions {
		asked[i] = v.Question(q)
	}
	return asked
}
