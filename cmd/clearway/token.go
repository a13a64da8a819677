package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/clearway/clearway/internal/account"
)

// TokenCommand manages API tokens: create, list, revoke.
type TokenCommand struct {
	Sub    string
	Stdout io.Writer
}

// Run runs the token subcommand.
func (c *TokenCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("token " + c.Sub)
	cfgPath := fs.String("config", "", "config file")
	name := fs.String("name", "", "a label for the token (what uses it)")
	by := fs.String("by", "", "who does this, for the audit log (default: the OS user)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, reorderFlags(args, "config", "name", "by")); err != nil {
		return err
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	switch c.Sub {
	case "create":
		if fs.NArg() != 1 {
			return usagef("token create: want LOGIN")
		}
		secret, hash, err := account.NewSecret(account.TokenPrefix)
		if err != nil {
			return err
		}
		t, err := db.CreateToken(ctx, fs.Arg(0), *name, hash, cliActor(*by))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "token %d for %s (shown once; use it as Authorization: Bearer TOKEN):\n%s\n", t.ID, t.Login, secret)
		return nil
	case "list":
		tokens, err := db.ListTokens(ctx, "")
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.Stdout, tokens)
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tCREATED\tLAST USED")
		for _, t := range tokens {
			used := "never"
			if t.LastUsedAt != nil {
				used = t.LastUsedAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Login, t.Name, t.CreatedAt.Local().Format("2006-01-02 15:04"), used)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return usagef("token revoke: want the token ID")
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usagef("token revoke: ID %q is not a number", fs.Arg(0))
		}
		if err := db.RevokeToken(ctx, id, "", cliActor(*by)); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "token %d revoked\n", id)
		return nil
	}
	return usagef("unknown command \"token %s\"", c.Sub)
}
