package models

import (
	"errors"
)

// The modes a database can be created in. Demo data may only ever be written
// into a database that was created for the demo.
const (
	ModeDemo = "demo"
	ModeLive = "live"

	SettingCreatedMode = "created_mode"
)

// ErrNotDemoDatabase refuses demo data in a database created for real use.
var ErrNotDemoDatabase = errors.New("this database was not created in demo mode, so demo data cannot be added to it")
