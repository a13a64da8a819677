package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"golang.org/x/crypto/bcrypt"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/config"
)

// UserCommand manages the workspace's users: add, list, disable, enable,
// passwd.
type UserCommand struct {
	Sub    string
	Stdin  io.Reader
	Stdout io.Writer
}

// Run runs the user subcommand.
func (c *UserCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("user " + c.Sub)
	cfgPath := fs.String("config", "", "config file")
	role := fs.String("role", "", "admin, compliance, logistics, viewer, broker or supplier")
	partner := fs.String("partner", "", "the partner a broker or supplier user acts for")
	name := fs.String("name", "", "the person's name")
	email := fs.String("email", "", "the person's e-mail address")
	digest := fs.String("digest", "", `"daily": one mail a day listing the notifications instead of one each`)
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	by := fs.String("by", "", "who does this, for the audit log (default: the OS user)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, reorderFlags(args, "config", "role", "partner", "name", "email", "digest", "by")); err != nil {
		return err
	}
	cfg, db, err := openConfigDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	actor := cliActor(*by)
	if c.Sub == "list" {
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.Stdout, users)
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tROLE\tPARTNER\tNAME\tEMAIL\tDISABLED\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", u.Login, u.Role, u.Partner, u.Name, u.Email, u.Disabled, u.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}
	if fs.NArg() != 1 {
		return usagef("user %s: want LOGIN", c.Sub)
	}
	login := fs.Arg(0)
	switch c.Sub {
	case "add":
		if *digest != "" && *digest != "daily" {
			return usagef("user add: --digest %q: only daily", *digest)
		}
		u := account.User{Login: login, Role: account.Role(*role), Partner: *partner, Name: *name, Email: *email, Digest: *digest}
		if err := account.CheckUser(u, partnerRole(cfg, *partner)); err != nil {
			return usagef("user add: %s", err)
		}
		password, printed, err := c.password(*fromStdin)
		if err != nil {
			return err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		if _, err := db.CreateUser(ctx, u, string(hash), actor); err != nil {
			return err
		}
		if printed {
			fmt.Fprintf(c.Stdout, "user %s (%s) added; password (shown once): %s\n", login, u.Role, password)
		} else {
			fmt.Fprintf(c.Stdout, "user %s (%s) added\n", login, u.Role)
		}
		return nil
	case "disable", "enable":
		if err := db.SetUserDisabled(ctx, login, c.Sub == "disable", actor); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "user %s %sd\n", login, c.Sub)
		return nil
	case "passwd":
		if !*fromStdin {
			return usagef("user passwd: give the new password on standard input with --password-stdin")
		}
		password, _, err := c.password(true)
		if err != nil {
			return err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		if err := db.SetPassword(ctx, login, string(hash), actor); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "password of %s changed; its sessions ended\n", login)
		return nil
	}
	return usagef("unknown command \"user %s\"", c.Sub)
}

// password reads a password from standard input, or makes one (printed
// once by the caller).
func (c *UserCommand) password(fromStdin bool) (string, bool, error) {
	if !fromStdin {
		p, err := account.RandomPassword()
		return p, true, err
	}
	line, err := bufio.NewReader(c.Stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("read password: %w", err)
	}
	p := strings.TrimRight(line, "\r\n")
	if err := account.CheckPassword(p); err != nil {
		return "", false, usagef("%s", err)
	}
	return p, false, nil
}

// partnerRole is the configured role of a partner, "" when unknown.
func partnerRole(cfg *config.Config, id string) string {
	for _, p := range cfg.Partners {
		if p.ID == id {
			return string(p.Role)
		}
	}
	return ""
}

// cliActor names who runs a command in the audit log: --by, else the OS
// user.
func cliActor(by string) string {
	if by != "" {
		return "user:" + by
	}
	if u, err := user.Current(); err == nil {
		return "os:" + u.Username
	}
	return "os:" + os.Getenv("USER")
}
