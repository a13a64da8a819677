package governance

import "testing"

func TestMayDecideMapping(t *testing.T) {
	for _, c := range []struct {
		policy, proposer, login, role, decision string
		ok                                      bool
	}{
		{FourEyes, "ann", "ann", "admin", Approve, false}, // the four-eyes rule
		{FourEyes, "ann", "bob", "admin", Approve, true},
		{FourEyes, "ann", "cat", "compliance", Approve, true},
		{FourEyes, "ann", "dan", "logistics", Approve, false},
		{Direct, "ann", "ann", "admin", Approve, true},
		{FourEyes, "ann", "ann", "admin", Reject, false}, // withdraw instead
		{FourEyes, "ann", "bob", "compliance", Reject, true},
		{FourEyes, "ann", "ann", "compliance", Withdraw, true},
		{FourEyes, "ann", "bob", "compliance", Withdraw, false},
		{FourEyes, "ann", "bob", "admin", Withdraw, true},
		{FourEyes, "ann", "bob", "admin", "merge", false},
	} {
		err := MayDecideMapping(c.policy, c.proposer, c.login, c.role, c.decision)
		if (err == nil) != c.ok {
			t.Errorf("%+v: %v", c, err)
		}
	}
	if MayPropose("viewer") == nil || MayPropose("compliance") != nil {
		t.Error("MayPropose")
	}
}
