// Package catalogtest drives the model catalog end to end in headless Chromium: the app
// served by the real server, the catalog's models downloaded from a fake Hugging Face hub
// on loopback (internal/fakehub), verified whole against the hub's SHA-256; and the
// picker's per-device speed estimate checked against the engine's measured speed.
package catalogtest

import (
	"os"
	"testing"

	"hearth/internal/webtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	webtest.Cleanup()
	os.Exit(code)
}
