package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// postalAddresses gives patients an address to post their letters to, and
// practices and clinics the phone number and return address their letters
// print.
var postalAddresses = &gormigrate.Migration{
	ID: "0043_postal_addresses",
	Migrate: func(tx *gorm.DB) error {
		type PostalAddress struct {
			Line1    string
			Line2    string
			Town     string
			Postcode string
		}
		type Organisation struct {
			Phone   string
			Address PostalAddress `gorm:"embedded;embeddedPrefix:address_"`
		}
		type Patient struct {
			Address PostalAddress `gorm:"embedded;embeddedPrefix:address_"`
		}
		columns := []string{"address_line1", "address_line2", "address_town", "address_postcode"}
		for _, model := range []any{&Organisation{}, &Patient{}} {
			for _, column := range columns {
				if err := tx.Migrator().AddColumn(model, column); err != nil {
					return err
				}
			}
		}
		return tx.Migrator().AddColumn(&Organisation{}, "Phone")
	},
}
