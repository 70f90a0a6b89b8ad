package migrations

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// oneOfAKind makes the database itself keep every "only one" rule, so that
// two requests at the same moment cannot both pass a check made in code:
//   - a carer has one active (unrevoked) link to a patient;
//   - a patient has one plan per condition;
//   - a patient has one open (requested or approved) request per medicine;
//   - a person's feedback is numbered, each after the one before it, so two
//     given at the same moment cannot both follow the same one.
//
// Usernames and NHS numbers have been unique since the first step.
//
// Rows made by such races before this step are dealt with first: the older
// of two active carer links is revoked, and a later duplicate prescription
// request is rejected, each with an audit entry. Two plans for one condition
// hold clinical content nobody should merge or remove unseen, so the step
// stops and names them instead.
var oneOfAKind = &gormigrate.Migration{
	ID: "0007_one_of_a_kind",
	Migrate: func(tx *gorm.DB) error {
		type CarerLink struct {
			ID        uint
			CarerID   uint
			PatientID uint
			RevokedAt *time.Time
		}
		type ActionPlan struct {
			ID            uint
			PatientID     uint
			ConditionName string
			SnomedCode    string
		}
		type PrescriptionRequest struct {
			ID        uint
			PatientID uint
			Medicine  string
			Status    string
			Reason    string
			CreatedAt time.Time
			UpdatedAt time.Time
		}
		type Feedback struct {
			Number int `gorm:"not null;default:0"`
		}
		type AuditEvent struct {
			ID         uint
			At         time.Time
			Action     string
			PatientID  *uint
			TargetType string
			TargetID   string
			Detail     string
		}
		now := time.Now().UTC()
		audit := func(action string, patientID uint, targetType string, targetID uint, detail string) error {
			return tx.Create(&AuditEvent{At: now, Action: action, PatientID: &patientID, TargetType: targetType,
				TargetID: strconv.FormatUint(uint64(targetID), 10), Detail: detail}).Error
		}

		// The newest link holds the nurse's latest choice of permission.
		var olderLinks []CarerLink
		if err := tx.Where("revoked_at IS NULL AND EXISTS (SELECT 1 FROM carer_links AS newer WHERE newer.carer_id = carer_links.carer_id " +
			"AND newer.patient_id = carer_links.patient_id AND newer.revoked_at IS NULL AND newer.id > carer_links.id)").
			Find(&olderLinks).Error; err != nil {
			return err
		}
		for _, link := range olderLinks {
			if err := tx.Model(&link).Update("revoked_at", now).Error; err != nil {
				return err
			}
			if err := audit("carer.revoked", link.PatientID, "carer-link", link.ID, "Duplicate of a newer link to the same carer"); err != nil {
				return err
			}
		}

		// The request kept is the one furthest on: approved before requested,
		// then the earliest.
		var laterRequests []PrescriptionRequest
		if err := tx.Where("status IN ('requested', 'approved') AND EXISTS (SELECT 1 FROM prescription_requests AS kept " +
			"WHERE kept.patient_id = prescription_requests.patient_id AND kept.medicine = prescription_requests.medicine " +
			"AND kept.status IN ('requested', 'approved') AND kept.id <> prescription_requests.id " +
			"AND ((kept.status = 'approved' AND prescription_requests.status = 'requested') " +
			"OR (kept.status = prescription_requests.status AND (kept.created_at < prescription_requests.created_at " +
			"OR (kept.created_at = prescription_requests.created_at AND kept.id < prescription_requests.id)))))").
			Find(&laterRequests).Error; err != nil {
			return err
		}
		for _, request := range laterRequests {
			if err := tx.Model(&request).Updates(map[string]any{"status": "rejected", "updated_at": now,
				"reason": "You asked for this medicine more than once. We are dealing with your other request."}).Error; err != nil {
				return err
			}
			if err := audit("prescription.rejected", request.PatientID, "prescription-request", request.ID, request.Medicine); err != nil {
				return err
			}
		}

		var twinPlans []ActionPlan
		if err := tx.Where("EXISTS (SELECT 1 FROM action_plans AS other WHERE other.patient_id = action_plans.patient_id " +
			"AND other.snomed_code = action_plans.snomed_code AND other.id <> action_plans.id)").
			Order("patient_id, snomed_code, id").Find(&twinPlans).Error; err != nil {
			return err
		}
		if len(twinPlans) > 0 {
			var found []string
			for _, plan := range twinPlans {
				found = append(found, fmt.Sprintf("plan %d (%s) of patient %d", plan.ID, plan.ConditionName, plan.PatientID))
			}
			return fmt.Errorf("some patients have two plans for one condition: %s. Keep one plan per condition, "+
				"moving anything needed from the other, then run the upgrade again", strings.Join(found, ", "))
		}

		if err := tx.AutoMigrate(&Feedback{}); err != nil {
			return err
		}
		if err := tx.Exec("UPDATE feedbacks SET number = (SELECT COUNT(*) FROM feedbacks AS earlier WHERE earlier.user_id = feedbacks.user_id " +
			"AND (earlier.created_at < feedbacks.created_at OR (earlier.created_at = feedbacks.created_at AND earlier.id <= feedbacks.id)))").Error; err != nil {
			return err
		}

		for _, statement := range []string{
			"CREATE UNIQUE INDEX idx_carer_links_active ON carer_links (carer_id, patient_id) WHERE revoked_at IS NULL",
			"CREATE UNIQUE INDEX idx_action_plans_condition ON action_plans (patient_id, snomed_code)",
			"CREATE UNIQUE INDEX idx_prescription_requests_open ON prescription_requests (patient_id, medicine) WHERE status IN ('requested', 'approved')",
			"CREATE UNIQUE INDEX idx_feedbacks_number ON feedbacks (user_id, number)",
		} {
			if err := tx.Exec(statement).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
