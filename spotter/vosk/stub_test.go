//go:build novosk

package vosk

import (
	"errors"
	"testing"

	"github.com/spitfilter/spitfilter/spotter"
)

func TestStubOpen(t *testing.T) {
	e, err := Open(Config{Model: fakeModel(t, smallModel())})
	if e != nil || !errors.Is(err, ErrNoVosk) {
		t.Fatalf("Open = %v, %v; want nil, ErrNoVosk", e, err)
	}
	const want = "vosk: this build has no Vosk support (built with -tags novosk)"
	if err.Error() != want {
		t.Errorf("message (-want +got):\n- %s\n+ %s", want, err)
	}
	var s *Engine
	if _, err := s.NewRecognizer(spotter.Vocabulary{}); !errors.Is(err, ErrNoVosk) {
		t.Errorf("NewRecognizer = %v, want ErrNoVosk", err)
	}
}
