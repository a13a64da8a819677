package clearway

import "time"

// FileState is where a journaled file stands in the ingest flow.
type FileState string

// Journal states (PRODUCT.md §3). A file enters as received; the ingest
// pipeline moves it on and is the only writer of the later states.
const (
	FileReceived   FileState = "received"
	FileProcessing FileState = "processing"
	FileDone       FileState = "done"
	FileRejected   FileState = "rejected"
	FileDuplicate  FileState = "duplicate"
)

// Valid reports whether s is one of the journal states.
func (s FileState) Valid() bool {
	switch s {
	case FileReceived, FileProcessing, FileDone, FileRejected, FileDuplicate:
		return true
	}
	return false
}

// Channel names how a file reached the hub.
type Channel string

// The intake channels of PRODUCT.md §2.
const (
	ChannelSFTP   Channel = "sftp"
	ChannelWatch  Channel = "watch"
	ChannelRemote Channel = "remote"
	ChannelCLI    Channel = "cli"
	ChannelWeb    Channel = "web" // an upload from the web workspace or its API
	ChannelAPI    Channel = "api" // a status event posted to the API
)

// File is one entry of the intake journal: a complete file a partner sent,
// whose bytes are kept in the archive under SHA256. The journal is the
// hand-off point to the ingest pipeline and the restart point after a crash.
// Its JSON form is the stable `files list --json` contract (PRODUCT.md §3).
type File struct {
	ID         int64     `json:"id"`
	Partner    string    `json:"partner"`
	Channel    Channel   `json:"channel"`
	Name       string    `json:"name"` // partner-relative path, e.g. "inbox/invoices/INV-1.xlsx"
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"` // hex
	State      FileState `json:"state"`
	Error      string    `json:"error"`
	ReceivedAt time.Time `json:"received_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// User is the login of the person who uploaded it (channel web), "".
	User string `json:"user,omitempty"`
}

// FileFilter selects journal entries; zero fields match everything.
type FileFilter struct {
	ID      int64
	Partner string
	State   FileState
	Limit   int
	// Newest lists the latest arrivals first (a page of a busy journal);
	// by default the oldest come first.
	Newest bool
}
