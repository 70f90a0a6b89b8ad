package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"healthpassport/models"
)

// clientCommand is what "passport clients" does.
type clientCommand struct {
	action   string // create or revoke
	name     string // the new client's name, or the client id to revoke
	practice string
	scopes   string
	keysFile string
}

// readClientCommand reads "create NAME" or "revoke CLIENT_ID" and returns
// the flags that follow.
func readClientCommand(args []string) (clientCommand, []string, error) {
	if len(args) < 2 || (args[0] != "create" && args[0] != "revoke") {
		return clientCommand{}, nil, errors.New("clients: say create and the system's name, or revoke and its client id")
	}
	return clientCommand{action: args[0], name: args[1]}, args[2:], nil
}

func runClientCommand(cfg Config, command clientCommand, stdout io.Writer) error {
	db, closeDB, err := ready(cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	// The service's own store, so that revoking removes the client's
	// export files from the data folder.
	st, err := NewStore(db, cfg)
	if err != nil {
		return err
	}
	if command.action == "revoke" {
		if err := st.RevokeAPIClient(context.Background(), command.name); err != nil {
			return fmt.Errorf("client %s: %w", command.name, err)
		}
		fmt.Fprintf(stdout, "Client %s is revoked: its access tokens no longer work.\n", command.name)
		return nil
	}
	if command.keysFile == "" {
		return errors.New("clients create: give the file of the system's public keys with --keys")
	}
	keys, err := os.ReadFile(command.keysFile)
	if err != nil {
		return err
	}
	client, err := st.CreateAPIClient(context.Background(), models.NewAPIClient{Name: command.name, ODSCode: command.practice,
		Scopes: strings.Fields(command.scopes), PublicKeys: string(keys)})
	if err != nil {
		return fmt.Errorf("clients create: %w", err)
	}
	fmt.Fprintln(stdout, client.ClientID)
	return nil
}
