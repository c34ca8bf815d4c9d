package models_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/spitfilter/spitfilter/models"
)

// Validate a PocketSphinx model where Debian's pocketsphinx-en-us puts it.
func ExampleValidate() {
	m, err := models.Validate(models.PocketSphinx, "/usr/share/pocketsphinx/model/en-us")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Engine, m.Name, m.SampleRate, "Hz")
	fmt.Println(filepath.Base(m.Acoustic), filepath.Base(m.Dict), filepath.Base(m.LM))
	// Output:
	// pocketsphinx en-us 16000 Hz
	// en-us cmudict-en-us.dict en-us.lm.bin
}

// A Vosk model that lacks a file is refused with an error naming the file,
// the directory and where to get models.
func ExampleMissingFileError() {
	dir, _ := os.MkdirTemp("", "vosk-model-")
	defer os.RemoveAll(dir)
	_, err := models.ValidateVosk(dir)
	var mf *models.MissingFileError
	if errors.As(err, &mf) {
		fmt.Println("missing:", mf.File)
	}
	fmt.Println(errors.Is(err, models.ErrInvalidModel))
	// Output:
	// missing: am/final.mdl
	// true
}

// Locate the model the pipeline should load: the command fills Options from
// its flags, config and environment.
func ExampleLocate() {
	o := models.Options{
		Flag:   "", // --model
		Config: "", // model: in the config file
		EnvDir: "", // SPITFILTER_MODEL_DIR
		Home:   "/nonexistent",
	}
	f, err := models.Locate(models.PocketSphinx, o)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Model.Name, "from the", f.Source)
	// Output:
	// en-us from the standard path
}

// List what a model list offers, here from a local server standing in for
// https://alphacephei.com/vosk/models.
func ExampleFetcher_Catalog() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"lang":"en-us","name":"vosk-model-small-en-us-0.15","obsolete":"false",
			"size":41205931,"size_text":"39.3MiB","type":"small","version":"0.15",
			"md5":"0d6ed5e5d5bd2bd9e4e3a8d22d4b6d8d","url":"vosk-model-small-en-us-0.15.zip"}]`)
	}))
	defer srv.Close()
	f := &models.Fetcher{Client: srv.Client(), BaseURL: srv.URL}
	entries, err := f.Catalog(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range entries {
		fmt.Println(e.Name, e.Lang, e.SizeText, e.Obsolete)
	}
	// Output:
	// vosk-model-small-en-us-0.15 en-us 39.3MiB false
}
