package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/clearway/clearway/internal/clearway"
)

// document maps a binary document (PDF, image, …): it is not parsed; its
// fields come from the file name and constants, and the engine adds the
// checksum and original name that version the document.
func (r *run) document() error {
	h := sha256.New()
	if _, err := io.Copy(h, r.in.R); err != nil {
		return fmt.Errorf("read %s: %w", r.in.Name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	var errs []*InputError
	for _, p := range r.plan() {
		errs = errs[:0]
		for i := range p.fields {
			errs = r.fill(p, i, cellValue{text: p.fields[i].text}, clearway.Position{}, errs)
		}
		if len(errs) > 0 {
			for _, e := range errs {
				e.Hint = "the file name must carry this value; see the mapping's from_filename pattern"
			}
			r.rowErrors(errs)
			r.res.Rejected = true // one document, one record: nothing to keep
			continue
		}
		rec := p.rec
		if rec.Kind == clearway.KindDocument {
			rec.Names = append(append([]string(nil), rec.Names...), "sha256", "original_name")
			rec.Values = append(append([]string(nil), rec.Values...), sum, r.base)
		}
		if err := r.send(&rec); err != nil {
			return err
		}
	}
	return nil
}
