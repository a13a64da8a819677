// Command clearway is the Clearway daemon and its admin commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	// Partner time zones (partners[].timezone) resolve on hosts without
	// the system zone database too.
	_ "time/tzdata"

	"github.com/clearway/clearway/internal/clearway"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	// The Go heap holds records in passing; the store's memory is SQLite's
	// page cache, outside it. Collecting at 5× the live heap rather than 2×
	// cut a million-line ingest by a tenth, for ~30 MB more at peak.
	// GOGC, when set, still decides.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks a bad invocation (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const usage = `clearway — file-drop EDI/SFTP hub for customs documents

Usage:
  clearway serve          [--config FILE]                      run the daemon
  clearway config check   [--config FILE]                      validate the config
  clearway files list     [--partner ID] [--state S] [--json]  the intake journal
  clearway ingest         --partner ID [--into DIR] FILE...    journal and ingest files now (channel cli)
  clearway shipment list  [--json]                             canonical shipments
  clearway shipment show  REF [--json]                         one shipment (REF: its ref or any identifier)
  clearway shipment set-state REF STATE --reason CODE --by NAME [--note TEXT] [--entry N] [--at TIME] [--resolves ID]...
                                                               record a state by hand (the broker phoned)
  clearway shipment assign REF --partner ID                    make a partner party to a shipment (its users see it)
  clearway shipment legal-hold REF --reason TEXT [--clear] [--by NAME]   keep its originals past retention
  clearway retention run  [--dry-run] [--json]                 purge originals past retention.archive, and say which
  clearway user add       LOGIN --role ROLE [--partner ID] [--name T] [--email A] [--password-stdin]
  clearway user list|disable|enable|passwd [LOGIN] [--json] [--password-stdin]   workspace users
  clearway token create   LOGIN [--name LABEL] | token list [--json] | token revoke ID   API tokens
  clearway governance check [--json]                          partners' error rates; opens partner_error_rate reviews
  clearway po show        PO [--json]                          a purchase order's lines and the shipments carrying it
  clearway review list    [--status open|approved|rejected|superseded|all] [--json]   the human review queue
  clearway review approve ID --reason CODE --by NAME [--note TEXT] [--attach FILE]...  apply a held change, accept a finding
  clearway review reject  ID --reason CODE --by NAME [--note TEXT] [--attach FILE]...  drop it, let the finding stand
  clearway review merge   ID --reason CODE --by NAME [...]       identifier_conflict: one shipment takes the other's records
  clearway review separate ID --reason CODE --by NAME [...]      identifier_conflict: two shipments, do not ask again
  clearway packet export  REF --out FILE.zip                   audit packet: documents, manifest.json, lines.csv
  clearway outbound run   --partner ID --job NAME              run a scheduled job now ("pull" for a remote partner's pull)
  clearway outbound list  [--partner ID] [--json]              the outbound deliveries
  clearway remote list    [--partner ID] [--json]              files pulled from and pushed to partners' servers
  clearway mapping check  [FILE...]                            validate mapping files (default: mappings_dir)
  clearway mapping test   MAPPING INPUT [--json]               dry run: the records INPUT gives, or its errors
  clearway mapping history NAME [--json] | mapping diff NAME [FROM [TO]]   every version used, and what changed
  clearway mapping propose FILE.yaml --by LOGIN [--note T] [--partner ID] [--last N]   try a new version, submit it
  clearway mapping approve|reject|withdraw ID --by LOGIN [--note T] | mapping proposals [--status S] [--json]
                                                               change control (governance.mapping_changes: four_eyes)
  clearway replay (--dry-run | --apply) [--partner ID] [--mapping NAME] [--since DATE] [--until DATE]
                  [--state rejected|done|all] [--file ID]... [--with FILE.yaml] [--limit N] [--json]
                                                               re-read archived files with a mapping version: what changes
  clearway migrate-store  --to postgres DSN [--batch N]        copy the SQLite store into an empty PostgreSQL (resumable)
  clearway cluster status [--json]                            nodes and job leases of a cluster (store.driver: postgres)
  clearway version

--config defaults to $CLEARWAY_CONFIG, else config/clearway.yaml.
`

// Run runs one command and returns the process exit code: 0 success,
// 1 failure (one line on stderr), 2 bad usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	var ue *usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "clearway: %s\n\n%s", ue.msg, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "clearway: %s\n", clearway.ErrorMessage(err))
		return 1
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 {
		sub = rest[0]
	}
	switch {
	case cmd == "serve":
		return (&ServeCommand{Stderr: stderr}).Run(ctx, rest)
	case cmd == "config" && sub == "check":
		return (&ConfigCheckCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest[1:])
	case cmd == "mapping" && sub == "check":
		return (&MappingCheckCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest[1:])
	case cmd == "mapping" && (sub == "history" || sub == "diff"):
		return (&MappingHistoryCommand{Diff: sub == "diff", Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "mapping" && (sub == "propose" || sub == "approve" || sub == "reject" || sub == "withdraw" || sub == "proposals"):
		return (&MappingChangeCommand{Sub: sub, Stdout: stdout, Stderr: stderr}).Run(ctx, rest[1:])
	case cmd == "mapping" && sub == "test":
		return (&MappingTestCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest[1:])
	case cmd == "migrate-store":
		return (&MigrateStoreCommand{Stdout: stdout}).Run(ctx, rest)
	case cmd == "cluster" && sub == "status":
		return (&ClusterStatusCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "replay":
		return (&ReplayCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case cmd == "ingest":
		return (&IngestCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case cmd == "shipment" && sub == "list":
		return (&ShipmentListCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "shipment" && sub == "show":
		return (&ShipmentShowCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "review" && sub == "list":
		return (&ReviewListCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "review" && (sub == "approve" || sub == "reject" || sub == "merge" || sub == "separate"):
		return (&ReviewDecideCommand{Decision: sub, Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "shipment" && sub == "set-state":
		return (&ShipmentSetStateCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "shipment" && sub == "assign":
		return (&ShipmentAssignCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "shipment" && sub == "legal-hold":
		return (&ShipmentLegalHoldCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "retention" && sub == "run":
		return (&RetentionRunCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest[1:])
	case cmd == "user" && (sub == "add" || sub == "list" || sub == "disable" || sub == "enable" || sub == "passwd"):
		return (&UserCommand{Sub: sub, Stdin: os.Stdin, Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "token" && (sub == "create" || sub == "list" || sub == "revoke"):
		return (&TokenCommand{Sub: sub, Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "notify" && (sub == "list" || sub == "retry"):
		return (&NotifyCommand{Sub: sub, Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "governance" && sub == "check":
		return (&GovernanceCheckCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "po" && sub == "show":
		return (&POShowCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "outbound" && sub == "run":
		return (&OutboundRunCommand{Stdout: stdout, Stderr: stderr}).Run(ctx, rest[1:])
	case cmd == "outbound" && sub == "list":
		return (&OutboundListCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "remote" && sub == "list":
		return (&RemoteListCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "packet" && sub == "export":
		return (&PacketExportCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "files" && sub == "list":
		return (&FilesListCommand{Stdout: stdout}).Run(ctx, rest[1:])
	case cmd == "version":
		fmt.Fprintln(stdout, buildVersion())
		return nil
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usagef("unknown command %q", cmd+" "+sub)
}

// buildVersion is the -ldflags version, else the module version from the
// build info.
func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// configPath picks --config, then $CLEARWAY_CONFIG, then the default.
func configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("CLEARWAY_CONFIG"); env != "" {
		return env
	}
	return "config/clearway.yaml"
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// takesArgs names the commands that take positional arguments.
var takesArgs = map[string]bool{"mapping check": true, "mapping test": true, "ingest": true, "shipment show": true,
	"review approve": true, "review reject": true, "review merge": true, "review separate": true,
	"shipment set-state": true, "po show": true, "packet export": true, "shipment assign": true,
	"user add": true, "user disable": true, "user enable": true, "user passwd": true, "token create": true, "token revoke": true, "notify retry": true, "mapping history": true, "mapping diff": true,
	"mapping propose": true, "migrate-store": true, "mapping approve": true, "mapping reject": true, "mapping withdraw": true}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%s: %s", fs.Name(), err)
	}
	if fs.NArg() > 0 && !takesArgs[fs.Name()] {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
