package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/clearway/clearway/internal/notify"
	"strings"
	"time"

	"github.com/clearway/clearway/internal/account"
	"github.com/clearway/clearway/internal/clearway"
)

// Question is a question someone asked on a shipment, with its answers.
type Question struct {
	ID        int64      `json:"id"`
	Shipment  string     `json:"shipment"`
	About     string     `json:"about,omitempty"` // "document:<id>", "line:<n>" or ""
	Text      string     `json:"text"`
	AskedBy   string     `json:"asked_by"`
	AskedRole string     `json:"asked_role"`
	Partner   string     `json:"partner,omitempty"`
	Status    string     `json:"status"` // open, closed
	CreatedAt time.Time  `json:"created_at"`
	ClosedBy  string     `json:"closed_by,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	Answers   []Answer   `json:"answers"`
}

// Answer is one answer to a question.
type Answer struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	By        string    `json:"by"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// maxQuestionText bounds a question's or an answer's text.
const maxQuestionText = 4000

func checkText(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", clearway.Errorf(clearway.EINVALID, "the text is empty")
	case len(text) > maxQuestionText:
		return "", clearway.Errorf(clearway.EINVALID, "the text is %d characters; keep it under %d", len(text), maxQuestionText)
	}
	return text, nil
}

// Ask asks a question on a shipment the scope sees; about names a document
// ("document:<id>") or a line ("line:<n>"), or is "".
func (v *View) Ask(ctx context.Context, ref, about, text string) (*Question, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !v.scope.Role.Can(account.AskQuestion) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not ask questions", v.scope.Role)
	}
	if text, err = checkText(text); err != nil {
		return nil, err
	}
	if about != "" && !strings.HasPrefix(about, "document:") && !strings.HasPrefix(about, "line:") {
		return nil, clearway.Errorf(clearway.EINVALID, "about %q: name a document (document:ID) or a line (line:N)", about)
	}
	tx, err := v.db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := v.db.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO questions (shipment_id, about, text, asked_by, asked_role, partner, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, about, text, v.scope.Login, string(v.scope.Role), v.scope.Partner, now)
	if err != nil {
		return nil, fmt.Errorf("ask on %s: %w", ShipmentRef(id), err)
	}
	qid, _ := res.LastInsertId()
	after, _ := json.Marshal(map[string]string{"shipment": ShipmentRef(id), "about": about, "text": text})
	if err := auditTx(ctx, tx, now, v.scope.Actor(), "question", qid, "create", nil, after); err != nil {
		return nil, err
	}
	at, _ := parseTime(now)
	ev := notify.Event{Key: fmt.Sprintf("question:%d", qid), Type: notify.EventQuestionAsked, At: at, Shipment: ShipmentRef(id),
		AskedBy: "user:" + v.scope.Login, AskedPartner: v.scope.Partner, Sender: v.scope.Partner, QuestionID: qid,
		Summary: fmt.Sprintf("%s asked about %s: %s", v.scope.Login, ShipmentRef(id), firstLine(text, 100))}
	if err := v.db.raise(ctx, tx, now, ev, id); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return v.Question(ctx, qid)
}

// Answer answers a question on a shipment the scope sees.
func (v *View) Answer(ctx context.Context, id int64, text string) (*Question, error) {
	q, err := v.Question(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.scope.Role.Can(account.AnswerQuestion) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may not answer questions", v.scope.Role)
	}
	if q.Status != "open" {
		return nil, clearway.Errorf(clearway.ECONFLICT, "question %d is closed", id)
	}
	if text, err = checkText(text); err != nil {
		return nil, err
	}
	tx, err := v.db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := v.db.now()
	res, err := tx.ExecContext(ctx, `INSERT INTO answers (question_id, text, by, role, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, text, v.scope.Login, string(v.scope.Role), now)
	if err != nil {
		return nil, fmt.Errorf("answer question %d: %w", id, err)
	}
	aid, _ := res.LastInsertId()
	after, _ := json.Marshal(map[string]any{"question": id, "text": text})
	if err := auditTx(ctx, tx, now, v.scope.Actor(), "answer", aid, "create", nil, after); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return v.Question(ctx, id)
}

// CloseQuestion closes a question: its asker, or anyone who may close
// questions, on a shipment the scope sees.
func (v *View) CloseQuestion(ctx context.Context, id int64) (*Question, error) {
	q, err := v.Question(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.AskedBy != v.scope.Login && !v.scope.Role.Can(account.CloseQuestion) {
		return nil, clearway.Errorf(clearway.EFORBIDDEN, "a %s user may close only its own questions", v.scope.Role)
	}
	if q.Status != "open" {
		return nil, clearway.Errorf(clearway.ECONFLICT, "question %d is already closed", id)
	}
	tx, err := v.db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := v.db.now()
	if _, err := tx.ExecContext(ctx, `UPDATE questions SET status = 'closed', closed_by = ?, closed_at = ? WHERE id = ?`, v.scope.Login, now, id); err != nil {
		return nil, fmt.Errorf("close question %d: %w", id, err)
	}
	if err := auditTx(ctx, tx, now, v.scope.Actor(), "question", id, "close", []byte(`{"status":"open"}`), []byte(`{"status":"closed"}`)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return v.Question(ctx, id)
}

// Question returns a question on a shipment the scope sees.
func (v *View) Question(ctx context.Context, id int64) (*Question, error) {
	qs, err := v.questions(ctx, `q.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, clearway.Errorf(clearway.ENOTFOUND, "no question %d", id)
	}
	return &qs[0], nil
}

// Questions returns the questions on a shipment the scope sees, oldest
// first.
func (v *View) Questions(ctx context.Context, ref string) ([]Question, error) {
	id, err := v.locate(ctx, ref)
	if err != nil {
		return nil, err
	}
	return v.questions(ctx, `q.shipment_id = ?`, id)
}

// questions reads the questions a condition selects, within the scope,
// with their answers.
func (v *View) questions(ctx context.Context, cond string, arg any) ([]Question, error) {
	vis, args := v.visible("s")
	rows, err := v.db.db.QueryContext(ctx, `SELECT q.id, s.ref, q.about, q.text, q.asked_by, q.asked_role, q.partner, q.status, q.created_at,
		COALESCE(q.closed_by, ''), COALESCE(q.closed_at, '') FROM questions q JOIN shipments s ON s.id = q.shipment_id
		WHERE `+cond+` AND `+vis+` ORDER BY q.id`, append([]any{arg}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("questions: %w", err)
	}
	defer rows.Close()
	out := []Question{}
	for rows.Next() {
		q := Question{Answers: []Answer{}}
		var created, closed string
		if err := rows.Scan(&q.ID, &q.Shipment, &q.About, &q.Text, &q.AskedBy, &q.AskedRole, &q.Partner, &q.Status, &created, &q.ClosedBy, &closed); err != nil {
			return nil, err
		}
		if q.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		if closed != "" {
			t, err := parseTime(closed)
			if err != nil {
				return nil, err
			}
			q.ClosedAt = &t
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Answers, err = v.db.answers(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// answers reads a question's answers, oldest first.
func (db *DB) answers(ctx context.Context, question int64) ([]Answer, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, text, by, role, created_at FROM answers WHERE question_id = ? ORDER BY id`, question)
	if errors.Is(err, sql.ErrNoRows) {
		return []Answer{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("answers of question %d: %w", question, err)
	}
	defer rows.Close()
	out := []Answer{}
	for rows.Next() {
		var a Answer
		var created string
		if err := rows.Scan(&a.ID, &a.Text, &a.By, &a.Role, &created); err != nil {
			return nil, err
		}
		if a.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
