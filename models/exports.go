package models

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// FHIR Bulk Data exports. A machine client asks for one; a job on the
// queue reads the client's organisation's records in keyset batches, so
// that memory stays flat whatever the population, and writes each
// resource type into NDJSON files of at most ExportFileLimit resources; the
// client fetches the files with its own token until they expire.

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
	TypeFilters     string // the _typeFilter queries asked for, one a line, such as "CarePlan?status=active"
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

// BulkExportFile is one NDJSON file of a resource type: a type with more
// resources than ExportFileLimit has several, numbered from 1.
type BulkExportFile struct {
	ID           uint
	BulkExportID uint
	ResourceType string
	Name         string // where the file is kept: see ExportFile
	Count        int64
}

// ExportFileLimit is the most resources one file of an export holds.
const ExportFileLimit = 100_000

// ResourceTypes are the types the export writes.
func (e *BulkExport) ResourceTypes() []string { return strings.Fields(e.Types) }

// FiltersOf are the _typeFilter queries asked for a resource type.
func (e *BulkExport) FiltersOf(resourceType string) ([]url.Values, error) {
	var filters []url.Values
	for line := range strings.Lines(e.TypeFilters) {
		filterType, query, _ := strings.Cut(strings.TrimSpace(line), "?")
		if filterType != resourceType {
			continue
		}
		values, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("_typeFilter %q: %w", line, err)
		}
		filters = append(filters, values)
	}
	return filters, nil
}

// ExportScope is whose records an export reads, from when, and which.
type ExportScope struct {
	Principal *Principal // the client, reaching its organisation's patients
	Kind      string     // ExportSystem, ExportPatient or ExportGroup
	Since     *time.Time // only records changed after, when set
	// Filters are the _typeFilter queries of the type being written, as
	// search parameters: a record is written if it matches any of them, or
	// if there are none.
	Filters []url.Values
}

// ExportStorage keeps exports' files: a folder now, an object store later.
type ExportStorage interface {
	// Create starts a file; it is seen whole once closed, or not at all.
	Create(name string) (io.WriteCloser, error)
	Open(name string) (io.ReadCloser, error)
	// RemoveExport removes every file of an export.
	RemoveExport(ref string) error
}

// ExportFile is where an export's nth file, counting from 1, of a
// resource type is kept; the part after the export's ref is also the last
// part of the file's address.
func ExportFile(ref, resourceType string, n int) string {
	return ref + "/" + resourceType + "-" + strconv.Itoa(n) + ".ndjson"
}

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
	// TypeFilters are the _typeFilter queries, each "Type?query", already
	// checked against the search parameters the API takes.
	TypeFilters []string
	Request     string
}

// Why an export cannot start.
var (
	ErrExportsOff = errors.New("bulk exports are not set up on this server")
)
