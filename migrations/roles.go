package migrations

import (
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// ErrNotCurrent means the schema lacks steps this version of the service needs.
var ErrNotCurrent = errors.New("the database is not up to date: run passport migrate")

// CheckCurrent reports whether every step has been applied, for a service
// that may not change the schema itself.
func CheckCurrent(db *gorm.DB) error {
	if !db.Migrator().HasTable("schema_migrations") {
		return ErrNotCurrent
	}
	var applied int64
	if err := db.Table("schema_migrations").Where("id = ?", Latest()).Count(&applied).Error; err != nil {
		return fmt.Errorf("checking the database schema: %w", err)
	}
	if applied == 0 {
		return ErrNotCurrent
	}
	if _, queueVersion, err := jobQueueMigrator(db); err != nil {
		return err
	} else if queueVersion < jobQueueVersion {
		return ErrNotCurrent
	}
	return nil
}

// GrantServingRole gives the PostgreSQL role that serves what it needs on
// every table of the current schema, and no more. It may read and add audit
// entries and checkpoints but not change, remove or empty them (waiting
// entries leave only as they are chained), nor add or
// remove the audit chain's head, and it may read which steps ran, ours and
// the job queue's, but not record one. Run after every migration, it covers the tables that steps add, and takes back anything
// granted beyond this by hand.
func GrantServingRole(db *gorm.DB, role string) error {
	var owned, superuser int64
	if err := db.Raw(`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = ?`, role).
		Scan(&owned).Error; err != nil {
		return err
	}
	if owned > 0 {
		return fmt.Errorf("the serving role %s owns tables, so it could rewrite the audit log: make the migrating role their owner first (REASSIGN OWNED BY %s TO ...)", role, role)
	}
	if err := db.Raw(`SELECT count(*) FROM pg_roles WHERE rolname = ? AND (rolsuper OR rolbypassrls)`, role).
		Scan(&superuser).Error; err != nil {
		return err
	}
	if superuser > 0 {
		return fmt.Errorf("the serving role %s is a superuser, so it could rewrite the audit log", role)
	}
	var schema string
	if err := db.Raw(`SELECT current_schema()`).Scan(&schema).Error; err != nil {
		return err
	}
	var tables []string
	if err := db.Raw(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`).
		Scan(&tables).Error; err != nil {
		return err
	}
	grantee := quoteIdentifier(role)
	statements := []string{`GRANT USAGE ON SCHEMA ` + quoteIdentifier(schema) + ` TO ` + grantee}
	for _, table := range tables {
		privileges := "SELECT, INSERT, UPDATE, DELETE"
		switch table {
		case "audit_events", "audit_checkpoints":
			privileges = "SELECT, INSERT"
		case "audit_pending":
			// Its entries are removed as they are chained, and only then.
			privileges = "SELECT, INSERT, DELETE"
		case "audit_chains":
			// Its one row is updated, as entries are added, never added to.
			privileges = "SELECT, UPDATE"
		case "schema_migrations", "river_migration":
			privileges = "SELECT"
		}
		statements = append(statements,
			`REVOKE ALL ON `+quoteIdentifier(table)+` FROM `+grantee,
			`GRANT `+privileges+` ON `+quoteIdentifier(table)+` TO `+grantee)
	}
	statements = append(statements, `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA `+quoteIdentifier(schema)+` TO `+grantee)
	return db.Transaction(func(tx *gorm.DB) error {
		for _, statement := range statements {
			if err := tx.Exec(statement).Error; err != nil {
				return fmt.Errorf("granting the serving role %s its rights: %w", role, err)
			}
		}
		return nil
	})
}

func quoteIdentifier(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
