package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"healthpassport/models"

	"gorm.io/gorm"
)

// exportBatch is how many rows one query of an export reads.
const exportBatch = 1000

// ExportType writes every record of one FHIR resource type in a scope,
// calling emit with each resource in turn.
type ExportType struct {
	ResourceType string
	Write        func(ctx context.Context, s *Store, scope models.ExportScope, emit func(resource any) error) error
}

// Exports is what running bulk exports needs.
type Exports struct {
	Storage models.ExportStorage
	Types   []ExportType
	// FileLimit is the most resources one file holds; 0 means
	// models.ExportFileLimit. Tests lower it to see a type split.
	FileLimit int64
}

// fileLimit is the most resources one file of an export holds.
func (e Exports) fileLimit() int64 {
	if e.FileLimit > 0 {
		return e.FileLimit
	}
	return models.ExportFileLimit
}

// WithExports lets the store run bulk exports.
func (s *Store) WithExports(exports Exports) *Store {
	s.exports = exports
	return s
}

// ExportTypes names the resource types exports can write, in order.
func (s *Store) ExportTypes() []string {
	var names []string
	for _, t := range s.exports.Types {
		names = append(names, t.ResourceType)
	}
	return names
}

// PracticeForClient finds a practice, by ODS code, that a client acts for.
func (s *Store) PracticeForClient(ctx context.Context, principal *models.Principal, odsCode string) (*models.Organisation, error) {
	var practice models.Organisation
	err := s.db.WithContext(ctx).Where("ods_code = ? AND kind = ? AND id IN ?", odsCode, models.OrganisationPractice, practiceIDs(principal)).
		Take(&practice).Error
	return &practice, notFound(err)
}

// organisationReach is a client acting for one of its organisations,
// reaching its patients: those an export of it writes, and, for a
// practice, the members of its Group.
func organisationReach(client *models.APIClient, organisationID uint) *models.Principal {
	return &models.Principal{Client: client, PracticeIDs: []uint{organisationID}}
}

// GroupFor finds, by ODS code, a practice a client acts for, with its
// patients: the same patients, by the same query, as a Group export of the
// practice writes.
func (s *Store) GroupFor(ctx context.Context, principal *models.Principal, odsCode string) (*models.Group, error) {
	practice, err := s.PracticeForClient(ctx, principal, odsCode)
	if err != nil {
		return nil, err
	}
	group := models.Group{Practice: *practice}
	scope := models.ExportScope{Principal: organisationReach(principal.Client, practice.ID), Kind: models.ExportGroup}
	err = s.ExportPatients(ctx, scope, func(p models.Patient) error {
		group.MemberRefs = append(group.MemberRefs, p.Ref)
		return nil
	})
	return &group, err
}

// StartExport records a client's export and queues its job in the same
// transaction, with the audit entry.
func (s *Store) StartExport(ctx context.Context, principal *models.Principal, actor models.Actor, request models.ExportRequest) (*models.BulkExport, error) {
	if s.exports.Storage == nil {
		return nil, models.ErrExportsOff
	}
	if principal.Client == nil {
		return nil, models.ErrNotFound
	}
	now := s.now()
	export := models.BulkExport{Ref: models.RandomToken(24), APIClientID: principal.Client.ID, OrganisationID: principal.Client.OrganisationID,
		Kind: request.Kind, Types: strings.Join(request.Types, " "), TypeFilters: strings.Join(request.TypeFilters, "\n"), Since: request.Since, Request: request.Request,
		Status: models.ExportQueued, TransactionTime: now, ExpiresAt: now.Add(models.ExportLifetime), CreatedAt: now}
	if request.Practice != nil {
		export.OrganisationID = request.Practice.ID
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&export).Error; err != nil {
			return err
		}
		if err := s.Enqueue(tx, ExportArgs{ExportID: export.ID}); err != nil {
			return err
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditExportRequested, TargetType: "BulkExport", TargetID: export.Ref,
			Detail: fmt.Sprintf("%s (client %s): %s export of %s", principal.Client.Name, principal.Client.ClientID, export.Kind, strings.Join(request.Types, ", "))})
	})
	return &export, err
}

// ExportFor finds an export of the client's that has not expired, with its
// files.
func (s *Store) ExportFor(ctx context.Context, principal *models.Principal, ref string) (*models.BulkExport, error) {
	if principal.Client == nil {
		return nil, models.ErrNotFound
	}
	var export models.BulkExport
	err := s.db.WithContext(ctx).Preload("Files", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("ref = ? AND api_client_id = ? AND expires_at > ? AND status <> ?", ref, principal.Client.ID, s.now(), models.ExportCancelled).
		Take(&export).Error
	return &export, notFound(err)
}

// OpenExportFile opens a file, named as the last part of its address, of
// a finished export.
func (s *Store) OpenExportFile(export *models.BulkExport, fileName string) (io.ReadCloser, error) {
	name := export.Ref + "/" + fileName
	if export.Status != models.ExportDone || !slices.ContainsFunc(export.Files, func(f models.BulkExportFile) bool { return f.Name == name }) {
		return nil, models.ErrNotFound
	}
	return s.exports.Storage.Open(name)
}

// CancelExport stops a client's export, running or done, and removes its
// files. The update decides: an export already cancelled or expired is not
// found.
func (s *Store) CancelExport(ctx context.Context, principal *models.Principal, actor models.Actor, ref string) error {
	if principal.Client == nil {
		return models.ErrNotFound
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		update := tx.Model(&models.BulkExport{}).Where("ref = ? AND api_client_id = ? AND expires_at > ? AND status <> ?",
			ref, principal.Client.ID, s.now(), models.ExportCancelled).
			Updates(map[string]any{"status": models.ExportCancelled, "finished_at": s.now()})
		if update.Error != nil {
			return update.Error
		}
		if update.RowsAffected != 1 {
			return models.ErrNotFound
		}
		return s.audit(tx, actor, models.AuditEntry{Action: models.AuditExportCancelled, TargetType: "BulkExport", TargetID: ref,
			Detail: fmt.Sprintf("%s (client %s)", principal.Client.Name, principal.Client.ClientID)})
	})
	if err != nil {
		return err
	}
	// A job still writing sees the cancellation at its next batch and
	// removes what it wrote since.
	return s.exports.Storage.RemoveExport(ref)
}

// errExportCancelled stops a job whose export was cancelled.
var errExportCancelled = errors.New("export cancelled")

// RunExport writes an export's files, one resource type after another.
func (s *Store) RunExport(ctx context.Context, exportID uint) error {
	var export models.BulkExport
	if err := s.db.WithContext(ctx).First(&export, exportID).Error; err != nil {
		return notFound(err)
	}
	claim := s.db.WithContext(ctx).Model(&models.BulkExport{}).Where("id = ? AND status IN ?", export.ID, []string{models.ExportQueued, models.ExportRunning}).
		Update("status", models.ExportRunning)
	if claim.Error != nil {
		return claim.Error
	}
	if claim.RowsAffected != 1 {
		return nil // cancelled before it started
	}
	var client models.APIClient
	if err := s.db.WithContext(ctx).First(&client, export.APIClientID).Error; err != nil {
		return err
	}
	if client.RevokedAt != nil {
		return s.failExport(ctx, &export, "The client was revoked before the export finished.")
	}
	principal := organisationReach(&client, export.OrganisationID)
	// A rerun after a crash starts again from nothing.
	if err := s.db.WithContext(ctx).Where("bulk_export_id = ?", export.ID).Delete(&models.BulkExportFile{}).Error; err != nil {
		return err
	}
	if err := s.exports.Storage.RemoveExport(export.Ref); err != nil {
		return err
	}
	var total int64
	for _, resourceType := range export.ResourceTypes() {
		i := slices.IndexFunc(s.exports.Types, func(t ExportType) bool { return t.ResourceType == resourceType })
		if i < 0 {
			return s.failExport(ctx, &export, resourceType+" cannot be exported.")
		}
		filters, err := export.FiltersOf(resourceType)
		if err != nil {
			return s.failExport(ctx, &export, "The _typeFilter of "+resourceType+" cannot be read. Ask for the export again.")
		}
		scope := models.ExportScope{Principal: principal, Kind: export.Kind, Since: export.Since, Filters: filters}
		count, err := s.writeExportFiles(ctx, &export, s.exports.Types[i], scope)
		if errors.Is(err, errExportCancelled) {
			return s.exports.Storage.RemoveExport(export.Ref)
		}
		if err != nil {
			slog.Error("bulk export failed", "export", export.Ref, "type", resourceType, "error", err)
			return s.failExport(ctx, &export, "Writing "+resourceType+" failed. Ask for the export again.")
		}
		total += count
	}
	done := s.db.WithContext(ctx).Model(&models.BulkExport{}).Where("id = ? AND status = ?", export.ID, models.ExportRunning).
		Updates(map[string]any{"status": models.ExportDone, "finished_at": s.now(), "progress": "Done"})
	if done.Error != nil {
		return done.Error
	}
	if done.RowsAffected != 1 {
		return s.exports.Storage.RemoveExport(export.Ref)
	}
	return s.Audit(ctx, models.Actor{Role: models.RoleAPIClient}, models.AuditEntry{Action: models.AuditExportCompleted, TargetType: "BulkExport", TargetID: export.Ref,
		Detail: fmt.Sprintf("%s (client %s): %s export of %d resources", client.Name, client.ClientID, export.Kind, total)})
}

// exportFile is the NDJSON file of a resource type being written.
type exportFile struct {
	record models.BulkExportFile
	file   io.WriteCloser
	out    *bufio.Writer
	json   *json.Encoder
}

func (s *Store) createExportFile(export *models.BulkExport, resourceType string, n int) (*exportFile, error) {
	name := models.ExportFile(export.Ref, resourceType, n)
	file, err := s.exports.Storage.Create(name)
	if err != nil {
		return nil, err
	}
	out := bufio.NewWriterSize(file, 64<<10)
	return &exportFile{record: models.BulkExportFile{BulkExportID: export.ID, ResourceType: resourceType, Name: name},
		file: file, out: out, json: json.NewEncoder(out)}, nil
}

// finish closes the file, whole, and lists it among the export's files.
func (f *exportFile) finish(ctx context.Context, s *Store) error {
	err := f.out.Flush()
	if closeErr := f.file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Create(&f.record).Error
}

// writeExportFiles streams one resource type into NDJSON files of at most
// the file limit each, noting progress after each batch and stopping if
// the export is cancelled. A type with nothing to write still has one
// file, empty, so the manifest says so.
func (s *Store) writeExportFiles(ctx context.Context, export *models.BulkExport, exportType ExportType, scope models.ExportScope) (int64, error) {
	limit := s.exports.fileLimit()
	file, err := s.createExportFile(export, exportType.ResourceType, 1)
	if err != nil {
		return 0, err
	}
	var count int64
	err = exportType.Write(ctx, s, scope, func(resource any) error {
		if file.record.Count == limit {
			if err := file.finish(ctx, s); err != nil {
				return err
			}
			next, err := s.createExportFile(export, exportType.ResourceType, int(count/limit)+1)
			if err != nil {
				return err
			}
			file = next
		}
		if err := file.json.Encode(resource); err != nil {
			return err
		}
		file.record.Count++
		count++
		if count%exportBatch == 0 {
			return s.noteExportProgress(ctx, export, fmt.Sprintf("%s: %d written", exportType.ResourceType, count))
		}
		return nil
	})
	if err != nil {
		file.file.Close()
		return count, err
	}
	if err := file.finish(ctx, s); err != nil {
		return count, err
	}
	return count, s.noteExportProgress(ctx, export, fmt.Sprintf("%s: %d written", exportType.ResourceType, count))
}

// noteExportProgress records how far the export has got, and reports
// errExportCancelled once it has been cancelled.
func (s *Store) noteExportProgress(ctx context.Context, export *models.BulkExport, progress string) error {
	update := s.db.WithContext(ctx).Model(&models.BulkExport{}).Where("id = ? AND status = ?", export.ID, models.ExportRunning).
		Update("progress", progress)
	if update.Error != nil {
		return update.Error
	}
	if update.RowsAffected != 1 {
		return errExportCancelled
	}
	return nil
}

// failExport removes what an export wrote, then records why it failed: a
// client told of the failure finds nothing left behind.
func (s *Store) failExport(ctx context.Context, export *models.BulkExport, reason string) error {
	if err := s.exports.Storage.RemoveExport(export.Ref); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Model(&models.BulkExport{}).Where("id = ? AND status = ?", export.ID, models.ExportRunning).
		Updates(map[string]any{"status": models.ExportFailed, "failure": reason, "finished_at": s.now()}).Error
}

// cancelClientExports stops a revoked client's exports that are still
// queued or running: a job still writing sees it at its next batch.
func cancelClientExports(tx *gorm.DB, clientID uint, now time.Time) error {
	return tx.Model(&models.BulkExport{}).Where("api_client_id = ? AND status IN ?", clientID, []string{models.ExportQueued, models.ExportRunning}).
		Updates(map[string]any{"status": models.ExportCancelled, "finished_at": now}).Error
}

// removeClientExportFiles removes the files of every export of a revoked
// client at once, rather than leaving records on disk, readable by no one,
// until the sweep. The rows stay until then, so the exports' statuses
// still answer "gone".
func (s *Store) removeClientExportFiles(ctx context.Context, clientID uint) error {
	if s.exports.Storage == nil {
		return nil
	}
	var refs []string
	if err := s.db.WithContext(ctx).Model(&models.BulkExport{}).Where("api_client_id = ?", clientID).Pluck("ref", &refs).Error; err != nil {
		return err
	}
	for _, ref := range refs {
		if err := s.exports.Storage.RemoveExport(ref); err != nil {
			return err
		}
	}
	return s.db.WithContext(ctx).Where("bulk_export_id IN (?)", s.db.WithContext(ctx).Model(&models.BulkExport{}).Select("id").Where("api_client_id = ?", clientID)).
		Delete(&models.BulkExportFile{}).Error
}

// ForgetExpiredExports removes exports past their expiry, with their files.
func (s *Store) ForgetExpiredExports(ctx context.Context) error {
	for {
		var expired []models.BulkExport
		if err := s.db.WithContext(ctx).Where("expires_at <= ?", s.now()).Order("id").Limit(100).Find(&expired).Error; err != nil {
			return err
		}
		if len(expired) == 0 {
			return nil
		}
		for _, export := range expired {
			if s.exports.Storage != nil {
				if err := s.exports.Storage.RemoveExport(export.Ref); err != nil {
					return err
				}
			}
			err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if err := tx.Where("bulk_export_id = ?", export.ID).Delete(&models.BulkExportFile{}).Error; err != nil {
					return err
				}
				return tx.Delete(&models.BulkExport{}, export.ID).Error
			})
			if err != nil {
				return err
			}
		}
	}
}

// inBatches reads rows in keyset order, batch by batch, handing each to
// each: fetch reads up to limit rows whose id is above after.
func inBatches[T any](fetch func(after uint, limit int) ([]T, error), idOf func(T) uint, each func(T) error) error {
	var after uint
	for {
		batch, err := fetch(after, exportBatch)
		if err != nil {
			return err
		}
		for _, row := range batch {
			if err := each(row); err != nil {
				return err
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		after = idOf(batch[len(batch)-1])
	}
}

// ExportPatients streams the patients of a scope, with their practices.
func (s *Store) ExportPatients(ctx context.Context, scope models.ExportScope, each func(models.Patient) error) error {
	return inBatches(func(after uint, limit int) ([]models.Patient, error) {
		query := s.db.WithContext(ctx).Joins("Practice").Where(mayRead(scope.Principal, "patients.id")).Where("patients.id > ?", after)
		if scope.Since != nil {
			query = query.Where("patients.updated_at > ?", *scope.Since)
		}
		var batch []models.Patient
		return batch, query.Order("patients.id").Limit(limit).Find(&batch).Error
	}, func(p models.Patient) uint { return p.ID }, each)
}

// ExportDiagnoses streams the conditions of a scope's patients.
func (s *Store) ExportDiagnoses(ctx context.Context, scope models.ExportScope, each func(models.Diagnosis) error) error {
	return inBatches(func(after uint, limit int) ([]models.Diagnosis, error) {
		query := s.diagnoses(ctx, scope.Principal).Where("action_plans.id > ?", after)
		if scope.Since != nil {
			query = query.Where("action_plans.created_at > ?", *scope.Since)
		}
		var batch []models.Diagnosis
		return batch, query.Order("action_plans.id").Limit(limit).Scan(&batch).Error
	}, func(d models.Diagnosis) uint { return d.ID }, each)
}

// ExportReadings streams the readings of the kinds given (peak flow
// readings, symptom check-ins or both) of a scope's patients.
func (s *Store) ExportReadings(ctx context.Context, scope models.ExportScope, kinds []string, each func(models.PatientReading) error) error {
	return inBatches(func(after uint, limit int) ([]models.PatientReading, error) {
		query := s.patientReadings(ctx, scope.Principal).Where("readings.id > ? AND readings.kind IN ?", after, kinds)
		if scope.Since != nil {
			query = query.Where("readings.created_at > ?", *scope.Since)
		}
		var batch []models.PatientReading
		return batch, query.Order("readings.id").Limit(limit).Scan(&batch).Error
	}, func(r models.PatientReading) uint { return r.ID }, each)
}

// ExportPublishedPlans streams the latest published version of each plan
// of a scope's patients, changed since the scope's instant when it has one:
// a plan changes for the API when a new version is published.
func (s *Store) ExportPublishedPlans(ctx context.Context, scope models.ExportScope, each func(models.PublishedPlan) error) error {
	return inBatches(func(after uint, limit int) ([]models.PublishedPlan, error) {
		query := s.latestPublished(s.publishedPlans(ctx, scope.Principal)).Where("action_plans.id > ?", after)
		if scope.Since != nil {
			query = query.Where("plan_versions.created_at > ?", *scope.Since)
		}
		return scanPlans(query.Order("action_plans.id").Limit(limit))
	}, func(p models.PublishedPlan) uint { return p.ID }, each)
}

// ExportCarers streams the carers linked now to a scope's patients, as the
// API's search finds them: a link is changed only by its removal.
func (s *Store) ExportCarers(ctx context.Context, scope models.ExportScope, each func(models.Carer) error) error {
	return inBatches(func(after uint, limit int) ([]models.Carer, error) {
		query := s.carers(ctx, scope.Principal).Where("carer_links.revoked_at IS NULL AND carer_links.id > ?", after)
		if scope.Since != nil {
			query = query.Where("carer_links.created_at > ?", *scope.Since)
		}
		var batch []models.Carer
		return batch, query.Order("carer_links.id").Limit(limit).Scan(&batch).Error
	}, func(c models.Carer) uint { return c.ID }, each)
}

// ExportPractitioners streams the members of staff who wrote a published
// plan for one of a scope's patients: the only staff the API shows, and
// the ones the scope's CarePlans and MedicationStatements point at.
func (s *Store) ExportPractitioners(ctx context.Context, scope models.ExportScope, each func(models.User) error) error {
	return inBatches(func(after uint, limit int) ([]models.User, error) {
		query := s.db.WithContext(ctx).Where("users.id > ?", after).
			Where("EXISTS (?)", s.db.Model(&models.PlanVersion{}).Select("1").
				Joins("JOIN action_plans ON action_plans.id = plan_versions.plan_id").
				Where("plan_versions.author_id = users.id AND plan_versions.state = ?", models.VersionPublished).
				Where(mayRead(scope.Principal, "action_plans.patient_id")))
		if scope.Since != nil {
			query = query.Where("users.updated_at > ?", *scope.Since)
		}
		var batch []models.User
		return batch, query.Order("users.id").Limit(limit).Find(&batch).Error
	}, func(u models.User) uint { return u.ID }, each)
}

// ExportOrganisations streams the organisations a scope's client acts for;
// a patient or group export keeps only the practices its patients point
// at.
func (s *Store) ExportOrganisations(ctx context.Context, scope models.ExportScope, each func(models.Organisation) error) error {
	return inBatches(func(after uint, limit int) ([]models.Organisation, error) {
		query := s.db.WithContext(ctx).Where("organisations.id IN ? AND organisations.id > ?", practiceIDs(scope.Principal), after)
		if scope.Kind != models.ExportSystem {
			query = query.Where("EXISTS (?)", s.db.Model(&models.Patient{}).Select("1").
				Where("patients.practice_id = organisations.id").Where(mayRead(scope.Principal, "patients.id")))
		}
		if scope.Since != nil {
			query = query.Where("organisations.created_at > ?", *scope.Since)
		}
		var batch []models.Organisation
		return batch, query.Order("organisations.id").Limit(limit).Find(&batch).Error
	}, func(o models.Organisation) uint { return o.ID }, each)
}
