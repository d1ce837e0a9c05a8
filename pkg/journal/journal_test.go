package journal

import (
	"testing"
	"time"
)

// TestParseEntry reads lines as journalctl -o json prints them: strings,
// binary values as byte arrays, repeated fields as arrays, null.
func TestParseEntry(t *testing.T) {
	line := `{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1700000000123456","MESSAGE":[104,105,10,7],` +
		`"CONTAINER_NAME":"web","TAG":["a","b"],"BIG":null,"PRIORITY":"3"}`
	e, err := parseEntry([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if e.Cursor != "s=1;i=2" || !e.Time.Equal(time.UnixMicro(1700000000123456)) {
		t.Errorf("cursor %q time %v", e.Cursor, e.Time)
	}
	for k, want := range map[string]string{"MESSAGE": "hi\n\a", "CONTAINER_NAME": "web", "TAG": "b", "BIG": "", "PRIORITY": "3"} {
		if got := e.Field(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, err := parseEntry([]byte(`{"MESSAGE":"x"}`)); err == nil {
		t.Error("an entry without a timestamp was accepted")
	}
}
