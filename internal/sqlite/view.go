package sqlite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
)

// View is the store as one person sees it (PRODUCT.md §11.1). Every read
// of shipments, documents, files and questions for the web goes through a
// View, which applies the scope itself: a handler holds a View, never the
// DB, so a query that forgets whose it is cannot be written there. What the
// scope does not see is ENOTFOUND, exactly like what does not exist.
type View struct {
	db    *DB
	scope account.Scope
}

// View returns the store as scope sees it.
func (db *DB) View(scope account.Scope) *View { return &View{db: db, scope: scope} }

// Scope is whose view this is.
func (v *View) Scope() account.Scope { return v.scope }

// visible is the condition that shipment alias s is in the scope, and its
// arguments.
func (v *View) visible(alias string) (string, []any) {
	if v.scope.All() {
		return "1 = 1", nil
	}
	return alias + `.id IN (SELECT shipment_id FROM parties WHERE partner = ?)`, []any{v.scope.Partner}
}

// ShipmentFilter selects portfolio rows; zero fields match everything.
type ShipmentFilter struct {
	State, Partner, Q string
	// Open leaves out shipments whose entries are over (released,
	// finalized, closed, cancelled and the terminal exceptions).
	Open bool
	// IDs, when not nil, limits the list to these shipments (the ones
	// behind a dashboard figure).
	IDs    []int64
	Limit  int
	Cursor string
}

// PortfolioRow is one shipment in the portfolio.
type PortfolioRow struct {
	Ref           string              `json:"ref"`
	State         string              `json:"state"`
	StateLabel    string              `json:"state_label,omitempty"`
	Ready         bool                `json:"ready"`
	Identifiers   map[string][]string `json:"identifiers"`
	Mode          string              `json:"mode,omitempty"`
	Errors        int                 `json:"errors"`
	Warnings      int                 `json:"warnings"`
	OpenReviews   int                 `json:"open_reviews"`
	OpenQuestions int                 `json:"open_questions"`
	Holds         int                 `json:"holds"`
	CreatedAt     time.Time           `json:"created_at"`
	StateSince    time.Time           `json:"state_since"`
	UpdatedAt     time.Time           `json:"updated_at"`
	id            int64
}

// closedStates are the states the portfolio's "in progress" leaves out.
const closedStates = `('RELEASED', 'SUMMARY_FILED', 'FINALIZED', 'CLOSED', 'CANCELLED', 'REFUSED', 'SEIZED', 'GENERAL_ORDER')`

// Shipments returns a page of the shipments the scope sees, most recently
// changed first, and the cursor of the next page ("" at the end).
func (v *View) Shipments(ctx context.Context, f ShipmentFilter) ([]PortfolioRow, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	// The portfolio is read in order from an index: all shipments by
	// (updated_at, id); a partner's through parties, which mirrors
	// updated_at, so neither sorts every row it may see.
	from, order, at, id := `shipments s`, `s.updated_at DESC, s.id DESC`, `s.updated_at`, `s.id`
	var where []string
	var args []any
	if !v.scope.All() {
		from, order, at, id = `parties p JOIN shipments s ON s.id = p.shipment_id`, `p.updated_at DESC, p.shipment_id DESC`, `p.updated_at`, `p.shipment_id`
		where, args = append(where, `p.partner = ?`), append(args, v.scope.Partner)
	} else {
		where = append(where, "1 = 1")
	}
	if f.State != "" {
		where, args = append(where, `s.state = ?`), append(args, strings.ToUpper(f.State))
	}
	if f.Open {
		where = append(where, `s.state NOT IN `+closedStates)
	}
	if f.Partner != "" {
		where, args = append(where, `s.id IN (SELECT shipment_id FROM parties WHERE partner = ?)`), append(args, f.Partner)
	}
	if f.IDs != nil {
		list, _ := json.Marshal(f.IDs)
		where, args = append(where, `s.id IN (`+v.db.jsonInts("?")+`)`), append(args, string(list))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		// A prefix of the ref or of any identifier, as typed (upper case)
		// or as printed (entry 597-2603117-8 is stored 59726031178).
		upper := strings.ToUpper(q) + "%"
		bare := strings.NewReplacer(" ", "", "-", "").Replace(upper)
		where = append(where, `(s.ref LIKE ? OR s.id IN (SELECT shipment_id FROM identifiers WHERE value LIKE ? OR value LIKE ?
			UNION SELECT shipment_id FROM links WHERE value LIKE ? OR value LIKE ?))`)
		args = append(args, upper, upper, bare, upper, bare)
	}
	if f.Cursor != "" {
		cAt, cID, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, `(`+at+` < ? OR (`+at+` = ? AND `+id+` < ?))`), append(args, cAt, cAt, cID)
	}
	rows, err := v.db.db.QueryContext(ctx, `SELECT s.id, s.ref, s.state, s.ready, s.entry, s.findings, s.fields, s.created_at, s.state_since, s.updated_at,
		(SELECT COUNT(*) FROM reviews r WHERE r.shipment_id = s.id AND r.status = 'open'),
		(SELECT COUNT(*) FROM questions q WHERE q.shipment_id = s.id AND q.status = 'open')
		FROM `+from+` WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("portfolio: %w", err)
	}
	out, err := scanPortfolio(rows)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(formatTime(last.UpdatedAt), last.id)
	}
	return out, next, v.db.fillIdentifiers(ctx, out)
}

func scanPortfolio(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]PortfolioRow, error) {
	defer rows.Close()
	var out []PortfolioRow
	for rows.Next() {
		var p PortfolioRow
		var entry, findings, fields, created, since, updated string
		if err := rows.Scan(&p.id, &p.Ref, &p.State, &p.Ready, &entry, &findings, &fields, &created, &since, &updated, &p.OpenReviews, &p.OpenQuestions); err != nil {
			return nil, err
		}
		var extra entryExtra
		var fs []struct{ Severity string }
		var fl map[string]string
		if err := errors.Join(json.Unmarshal([]byte(entry), &extra), json.Unmarshal([]byte(findings), &fs), json.Unmarshal([]byte(fields), &fl)); err != nil {
			return nil, fmt.Errorf("shipment %s: %w", p.Ref, err)
		}
		p.StateLabel, p.Holds, p.Mode = extra.Label, len(extra.Holds), fl["mode"]
		for _, f := range fs {
			if f.Severity == "error" {
				p.Errors++
			} else {
				p.Warnings++
			}
		}
		var err error
		if p.CreatedAt, err = parseTime(created); err == nil {
			if p.UpdatedAt, err = parseTime(updated); err == nil && since != "" {
				p.StateSince, err = parseTime(since)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("shipment %s: %w", p.Ref, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// fillIdentifiers reads the identifiers of the rows in one query.
func (db *DB) fillIdentifiers(ctx context.Context, rows []PortfolioRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		ids[i], at[r.id] = r.id, i
		rows[i].Identifiers = map[string][]string{}
	}
	list, _ := json.Marshal(ids)
	q, err := db.db.QueryContext(ctx, `SELECT shipment_id, kind, value FROM identifiers WHERE shipment_id IN (`+db.jsonInts("?1")+`)
		UNION SELECT shipment_id, kind, value FROM links WHERE shipment_id IN (`+db.jsonInts("?1")+`) ORDER BY 1, 2, 3`, string(list))
	if err != nil {
		return fmt.Errorf("identifiers: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var id int64
		var k, val string
		if err := q.Scan(&id, &k, &val); err != nil {
			return err
		}
		r := &rows[at[id]]
		r.Identifiers[k] = append(r.Identifiers[k], val)
	}
	return q.Err()
}

func encodeCursor(at string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at + "|" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		at, idText, ok := strings.Cut(string(b), "|")
		if id, perr := strconv.ParseInt(idText, 10, 64); ok && perr == nil {
			return at, id, nil
		}
	}
	return "", 0, clearway.Errorf(clearway.EINVALID, "cursor %q is not one this server gave", c)
}

// Shipment returns the whole record of a shipment the scope sees, by its
// ref or any identifier (ENOTFOUND otherwise).
func (v *View) Shipment(ctx context.Context, ref string) (*Shipment, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	s, err := v.db.loadShipment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.scope.All() {
		s.Reviews = []ReviewSummary{} // the importer's own decisions
		s.LegalHold = nil             // as is compliance's legal hold
	}
	return s, nil
}

// Locate returns the ref of a shipment the scope sees, named by its ref or
// any identifier, without reading its record (ENOTFOUND otherwise): the
// check before an action on it.
func (v *View) Locate(ctx context.Context, ref string) (string, error) {
	id, err := v.locate(ctx, ref)
	return ShipmentRef(id), err
}

// locate is the id of a shipment the scope sees; what it does not see is
// not found, like what does not exist.
func (v *View) locate(ctx context.Context, ref string) (int64, error) {
	id, err := v.db.shipmentID(ctx, ref)
	if err != nil {
		return 0, err
	}
	if !v.sees(ctx, id) {
		return 0, clearway.Errorf(clearway.ENOTFOUND, "no shipment with ref or identifier %q", ref)
	}
	return id, nil
}

// sees reports whether the scope sees shipment id.
func (v *View) sees(ctx context.Context, id int64) bool {
	if v.scope.All() {
		return true
	}
	var one int
	err := v.db.db.QueryRowContext(ctx, `SELECT 1 FROM parties WHERE partner = ? AND shipment_id = ?`, v.scope.Partner, id).Scan(&one)
	return err == nil
}

// Document returns a document version of a shipment the scope sees.
func (v *View) Document(ctx context.Context, ref string, id int64) (*DocumentVersion, error) {
	s, err := v.Shipment(ctx, ref)
	if err != nil {
		return nil, err
	}
	for _, d := range s.Documents {
		if d.ID == id {
			return &d, nil
		}
	}
	return nil, clearway.Errorf(clearway.ENOTFOUND, "no document %d on %s", id, s.Ref)
}

// Files returns journal entries the scope sees: everything for the
// importer's people, a partner's own files for its users.
func (v *View) Files(ctx context.Context, f clearway.FileFilter) ([]*clearway.File, error) {
	if !v.scope.All() {
		f.Partner = v.scope.Partner
	}
	return v.db.FindFiles(ctx, f)
}

// File returns one journal entry the scope sees.
func (v *View) File(ctx context.Context, id int64) (*clearway.File, error) {
	files, err := v.Files(ctx, clearway.FileFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no file %d", id)
	}
	return files[0], nil
}

// Reviews returns the review queue for the importer's people; a partner's
// users see none (reviews are the importer's decisions).
func (v *View) Reviews(ctx context.Context, status string) ([]*Review, error) {
	if !v.scope.All() {
		return []*Review{}, nil
	}
	return v.db.ListReviews(ctx, status)
}

// Review returns one review the scope sees.
func (v *View) Review(ctx context.Context, id int64) (*Review, error) {
	if v.scope.All() {
		rs, err := v.db.queryReviews(ctx, "review", `WHERE r.id = ?`, id)
		if err != nil {
			return nil, err
		}
		if len(rs) == 1 {
			return rs[0], nil
		}
	}
	return nil, clearway.Errorf(clearway.ENOTFOUND, "no review %d", id)
}

// Decide decides a review, as the scope's user (compliance and admin).
func (v *View) Decide(ctx context.Context, id int64, d Decision) (*Review, error) {
	if _, err := v.Review(ctx, id); err != nil {
		return nil, err
	}
	if !v.scope.Role.Can(account.DecideReview) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not decide reviews", v.scope.Role)
	}
	d.By = v.scope.Login
	return v.db.DecideReview(ctx, id, d)
}

// SetState records a manual state, as the scope's user (compliance and
// admin).
func (v *View) SetState(ctx context.Context, ref string, m ManualState) (*Shipment, error) {
	if _, err := v.locate(ctx, ref); err != nil {
		return nil, err
	}
	if !v.scope.Role.Can(account.SetState) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not set an entry state", v.scope.Role)
	}
	m.By = v.scope.Login
	return v.db.SetState(ctx, ref, m)
}
