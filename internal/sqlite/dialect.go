package sqlite

import (
	"strconv"
	"strings"
)

// The store's statements are written once, in SQLite's dialect. For
// PostgreSQL (issue 16) they are rewritten as they are prepared, so every
// query keeps one text: placeholders ?, ?N become $N, and
// INSERT OR IGNORE becomes INSERT … ON CONFLICT DO NOTHING. Statements
// whose meaning differs between the two (row ids, locking) branch on the
// dialect where they are written.

// toPostgres rewrites one SQLite statement for PostgreSQL.
func toPostgres(query string) string {
	q := placeholders(query)
	if i := indexWord(q, "INSERT OR IGNORE INTO"); i >= 0 {
		q = q[:i] + "INSERT INTO" + q[i+len("INSERT OR IGNORE INTO"):]
		q = withOnConflict(q)
	}
	return q
}

// placeholders numbers SQLite's parameters as PostgreSQL's: ?N stays N,
// and a bare ? takes one more than the largest number before it (SQLite's
// rule). Strings, quoted names and comments are left alone.
func placeholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	last := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(q, i)
			b.WriteString(q[i:j])
			i = j - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := last + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			last = max(last, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipQuoted returns the index after the quoted run starting at i (” and
// "" inside are the quote itself).
func skipQuoted(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// withOnConflict adds ON CONFLICT DO NOTHING to an INSERT, before its
// RETURNING clause when it has one.
func withOnConflict(q string) string {
	q = strings.TrimRight(q, " \t\n;")
	if i := indexWord(q, "RETURNING"); i >= 0 {
		return q[:i] + "ON CONFLICT DO NOTHING " + q[i:]
	}
	return q + " ON CONFLICT DO NOTHING"
}

// indexWord finds word in q, case-insensitively, outside quotes.
func indexWord(q, word string) int {
	upper := strings.ToUpper(q)
	for from := 0; ; {
		i := strings.Index(upper[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		if !insideQuotes(q, i) {
			return i
		}
		from = i + len(word)
	}
}

// insideQuotes reports whether position i of q is inside a quoted run.
func insideQuotes(q string, i int) bool {
	for j := 0; j < i; j++ {
		if q[j] == '\'' || q[j] == '"' {
			end := skipQuoted(q, j)
			if i < end {
				return true
			}
			j = end - 1
		}
	}
	return false
}
