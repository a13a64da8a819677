package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/clearway/clearway/internal/clearway"
)

// FilesListCommand prints the intake journal.
type FilesListCommand struct {
	Stdout io.Writer
}

// Run lists journal entries, optionally of one partner and state.
func (c *FilesListCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("files list")
	cfgPath := fs.String("config", "", "config file")
	partner := fs.String("partner", "", "only this partner's files")
	state := fs.String("state", "", "only files in this state (received, processing, done, rejected, duplicate)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *state != "" && !clearway.FileState(*state).Valid() {
		return usagef("files list: unknown state %q (want received, processing, done, rejected or duplicate)", *state)
	}
	db, err := openDB(*cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	files, err := db.FindFiles(ctx, clearway.FileFilter{Partner: *partner, State: clearway.FileState(*state)})
	if err != nil {
		return err
	}
	if *asJSON {
		if files == nil {
			files = []*clearway.File{}
		}
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(files)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTNER\tCHANNEL\tSTATE\tSIZE\tSHA256\tRECEIVED\tNAME\tERROR")
	for _, f := range files {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", f.ID, f.Partner, f.Channel, f.State, f.Size, f.SHA256[:12],
			f.ReceivedAt.Local().Format("2006-01-02 15:04:05"), f.Name, f.Error)
	}
	return tw.Flush()
}
