package models

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FHIR Bulk Data exports. A machine client asks for one; a job on the
// queue reads the client's organisation's records in keyset batches, so
// that memory stays flat whatever the population, and writes one NDJSON
// file per resource type; the client fetches the files with its own token
// until they expire.

// The kinds of export, after the address the client asked at.
const (
	ExportSystem  = "system"  // GET /fhir/$export
	ExportPatient = "patient" // GET /fhir/Patient/$export
	ExportGroup   = "group"   // GET /fhir/Group/{practice}/$export
)

// What an export is doing.
const (
	ExportQueued    = "queued"
	ExportRunning   = "running"
	ExportDone      = "done"
	ExportFailed    = "failed"
	ExportCancelled = "cancelled"
)

// ExportLifetime is how long an export's files can be fetched.
const ExportLifetime = 24 * time.Hour

// BulkExport is one export a client asked for.
type BulkExport struct {
	ID              uint
	Ref             string // in the status and file addresses
	APIClientID     uint
	OrganisationID  uint
	Kind            string
	Types           string // space-separated resource types, in the order written
	Since           *time.Time
	Request         string // the kick-off address, for the manifest
	Status          string
	Progress        string
	Failure         string
	TransactionTime time.Time
	FinishedAt      *time.Time
	ExpiresAt       time.Time
	CreatedAt       time.Time
	Files           []BulkExportFile
}

// BulkExportFile is the NDJSON file of one resource type.
type BulkExportFile struct {
	ID           uint
	BulkExportID uint
	ResourceType string
	Name         string
	Count        int64
}

// ResourceTypes are the types the export writes.
func (e *BulkExport) ResourceTypes() []string { return strings.Fields(e.Types) }

// ExportScope is whose records an export reads, and from when.
type ExportScope struct {
	Principal *Principal // the client, reaching its organisation's patients
	Since     *time.Time // only records changed after, when set
}

// ExportStorage keeps exports' files: a folder now, an object store later.
type ExportStorage interface {
	// Create starts a file; it is seen whole once closed, or not at all.
	Create(name string) (io.WriteCloser, error)
	Open(name string) (io.ReadCloser, error)
	// RemoveExport removes every file of an export.
	RemoveExport(ref string) error
}

// ExportFile is where an export's file of a resource type is kept.
func ExportFile(ref, resourceType string) string { return ref + "/" + resourceType + ".ndjson" }

// DirStorage keeps exports' files in a folder, one folder per export.
type DirStorage string

func (d DirStorage) path(name string) (string, error) {
	clean := filepath.Clean(name)
	if filepath.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("export file name %q leaves the exports folder", name)
	}
	return filepath.Join(string(d), clean), nil
}

func (d DirStorage) Create(name string) (io.WriteCloser, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	file, err := os.CreateTemp(filepath.Dir(path), ".partial-*")
	if err != nil {
		return nil, err
	}
	return &dirFile{File: file, final: path}, nil
}

// dirFile is renamed to its name when closed, so a reader never sees half
// a file.
type dirFile struct {
	*os.File
	final string
}

func (f *dirFile) Close() error {
	if err := f.File.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), f.final)
}

func (d DirStorage) Open(name string) (io.ReadCloser, error) {
	path, err := d.path(name)
	if err != nil {
		return nil, err
	}
	return os.Open(path)
}

func (d DirStorage) RemoveExport(ref string) error {
	path, err := d.path(ref)
	if err != nil {
		return err
	}
	return os.RemoveAll(path)
}

// ExportRequest is what a client asked to export.
type ExportRequest struct {
	Kind     string
	Practice *Organisation // the group's practice, for a group export
	Types    []string      // in the order of the store's export types
	Since    *time.Time
	Request  string
}

// Why an export cannot start.
var (
	ErrExportsOff = errors.New("bulk exports are not set up on this server")
)
