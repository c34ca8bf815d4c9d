package main

import (
	"os"
	"testing"

	"github.com/spitfilter/spitfilter/decode"
)

func newWAV(f *os.File) *decode.WAVWriter { return decode.NewWAVWriter(f, 16000) }

func readWAV(t *testing.T, path string) []int16 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, _, err := decode.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}
