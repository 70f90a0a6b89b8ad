// Package migrations changes the database schema in numbered steps. A step,
// once released, never changes: it describes the schema as it was then, with
// its own copies of the tables, so that later changes to models cannot alter
// what an old step does.
package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// all lists every step in order. Add new steps at the end.
var all = []*gormigrate.Migration{
	initialSchema,
	nurseWorkspace,
	caseloadIndex,
	shares,
	feedback,
	devices,
	oneOfAKind,
	attemptCounters,
	formSubmissions,
	auditChain,
	clinicalSafety,
	caseloadSearch,
	backgroundJobs,
	lastActive,
	staffAccounts,
	apiClients,
	nhsLogin,
	reviewDueIndex,
	lastRedReading,
	closingAndUnlocking,
	auditSearchIndexes,
	templateGovernance,
	outcomeMeasures,
	passportVersion,
	apiClientKeysURL,
	bulkExports,
	webhooks,
	notifications,
	outcomeRollups,
	waitingByPractice,
	waitingPatients,
	keyedAuditChain,
	signInCodes,
	sickleCellDisorder,
	webhookPauses,
	secretKeyIDs,
	postalAddresses,
	deviceLastSeen,
	pendingAuditEntries,
	auditChainPerStatement,
	fhirVersions,
	clientKeySetCache,
	bulkExportFiles,
}

// Run brings the database up to the newest step.
func Run(db *gorm.DB) error {
	if err := migrator(db).Migrate(); err != nil {
		return err
	}
	return migrateJobQueue(db)
}

func migrator(db *gorm.DB) *gormigrate.Gormigrate {
	return gormigrate.New(db, &gormigrate.Options{
		TableName:      "schema_migrations",
		IDColumnName:   "id",
		IDColumnSize:   64,
		UseTransaction: true,
	}, all)
}

// Latest is the identifier of the newest step.
func Latest() string { return all[len(all)-1].ID }
