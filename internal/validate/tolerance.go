package validate

import (
	"math/big"
	"strconv"
)

// BeyondTolerance reports whether a value moving from `from` to `to` moves
// by more than pct percent of `from`: |to − from| > |from| × pct / 100, in
// exact decimal arithmetic. A move of exactly the tolerance is within it
// (100 → 105 at 5 % is within, 100 → 105.01 beyond). A value that is
// absent ("") or not a plain decimal on either side is not a move; a move
// away from 0 is always beyond. A negative pct counts as 0.
//
// It is the one comparison behind PRICE_DEVIATION, QTY_OVER_PO and the
// store's held changes, so that "within tolerance" means the same
// everywhere.
func BeyondTolerance(from, to string, pct float64) bool {
	a, okA := parseDecimal(from)
	b, okB := parseDecimal(to)
	return okA && okB && beyond(a, b, pct)
}

// beyond is BeyondTolerance on parsed values.
func beyond(from, to *big.Rat, pct float64) bool {
	if from.Cmp(to) == 0 {
		return false
	}
	if from.Sign() == 0 {
		return true
	}
	diff := new(big.Rat).Sub(to, from)
	diff.Abs(diff)
	limit := new(big.Rat).Abs(from)
	limit.Mul(limit, pctFraction(pct))
	return diff.Cmp(limit) > 0
}

// pctFraction returns pct/100 exactly as pct is written in decimal (5 →
// 1/20, 0.1 → 1/1000, not the binary float's neighbour); 0 for a negative
// or non-finite pct.
func pctFraction(pct float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(pct, 'f', -1, 64))
	if !ok || r.Sign() < 0 {
		return new(big.Rat)
	}
	return r.Quo(r, big.NewRat(100, 1))
}
