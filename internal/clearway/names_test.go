package clearway

import "testing"

func TestUnfinished(t *testing.T) {
	for name, want := range map[string]bool{
		"INV-1.xlsx.filepart": true, "INV-1.XLSX.FILEPART": true, "a.part": true, "a.partial": true, "a.tmp": true,
		"a.TEMP": true, "a.upload": true, "a.csv~": true, ".in.a.csv": true, "inbox/x/.cw-upload-1": true,
		"INV-1.xlsx": false, "report.partner.csv": false, "a.done": false, "temp.csv": false,
	} {
		if got := Unfinished(name); got != want {
			t.Errorf("Unfinished(%q) = %v, want %v", name, got, want)
		}
	}
}
