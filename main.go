// Command passport serves Health Passport, a digital health passport for
// people with long-term conditions.
package main

import (
	"os"

	"healthpassport/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
