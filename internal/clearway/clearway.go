// Package clearway holds the domain types that every part of the hub shares:
// partners, journaled files and the coded error users see. It imports nothing
// else of ours, so adapters (sqlite, sftpd, intake, …) can all depend on it.
package clearway

// Role is what a partner is to the importer; it decides which outbound jobs
// and which folders make sense for it.
type Role string

// The partner roles of PRODUCT.md §1.
const (
	RoleSupplier Role = "supplier"
	RoleBroker   Role = "broker"
	RoleERP      Role = "erp"
	RoleTMS      Role = "tms"
	RoleInternal Role = "internal"
)

// Partner is a trading partner: the SFTP user name is its ID, and its folders
// live under data_dir/partners/<ID>/.
type Partner struct {
	ID       string
	Name     string
	Role     Role
	Mappings []string
}

// The folders of a partner's jail (PRODUCT.md §5).
const (
	InboxDir  = "inbox"
	OutboxDir = "outbox"
	ErrorsDir = "errors"
)
