package models

import (
	"strings"
	"testing"
)

func TestParseMFCCConf(t *testing.T) {
	tests := []struct {
		name, conf string
		rate       int
		err        string // substring of the error; "" for none
	}{
		{name: "small-en-us", conf: mfccSmallEnUS, rate: 16000},
		{name: "empty", conf: "", rate: 16000},
		{name: "comments-and-blanks", conf: "# a comment\n\n   \n--sample-frequency=8000   # telephone\n", rate: 8000},
		{name: "crlf", conf: "--use-energy=false\r\n--sample-frequency=8000\r\n", rate: 8000},
		{name: "underscore", conf: "--sample_frequency=22050\n", rate: 22050},
		{name: "float", conf: "--sample-frequency=8000.0\n", rate: 8000},
		{name: "later-wins", conf: "--sample-frequency=8000\n--sample-frequency=16000\n", rate: 16000},
		{name: "not-an-option", conf: "--use-energy=false\nsample-frequency=8000\n", err: `line 2: "sample-frequency=8000" is not an option`},
		{name: "not-a-number", conf: "--sample-frequency=fast\n", err: `line 1: --sample-frequency: "fast" is not a number`},
		{name: "no-value", conf: "--sample-frequency\n", err: `line 1: --sample-frequency: "" is not a number`},
		{name: "fraction", conf: "--sample-frequency=8000.5\n", err: `"8000.5" Hz is not a whole rate from 4000 to 192000`},
		{name: "too-low", conf: "--sample-frequency=100\n", err: "is not a whole rate"},
		{name: "too-high", conf: "--sample-frequency=1e9\n", err: "is not a whole rate"},
		{name: "nan", conf: "--sample-frequency=NaN\n", err: "is not a whole rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rate, err := parseMFCCConf([]byte(tt.conf))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseMFCCConf = %d, %v; want error containing %q", rate, err, tt.err)
				}
				return
			}
			if err != nil || rate != tt.rate {
				t.Errorf("parseMFCCConf = %d, %v; want %d", rate, err, tt.rate)
			}
		})
	}
}

func TestParseFeatParams(t *testing.T) {
	tests := []struct {
		name, params string
		rate         int
		err          string
	}{
		{name: "debian-en-us", params: "-lowerf 130\n-upperf 6800\n-nfilt 25\n-transform dct\n-lifter 22\n-feat 1s_c_d_dd\n", rate: 16000},
		{name: "narrowband", params: "-upperf 3500\n-samprate 8000\n", rate: 8000},
		{name: "float", params: "-samprate 8000.0\n", rate: 8000},
		{name: "comment", params: "# -samprate 8000\n", rate: 16000},
		{name: "no-value", params: "-samprate\n", err: "line 1: -samprate wants one value, has 0"},
		{name: "bad-value", params: "-lowerf 1\n-samprate high\n", err: `line 2: -samprate: "high" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rate, err := parseFeatParams([]byte(tt.params))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseFeatParams = %d, %v; want error containing %q", rate, err, tt.err)
				}
				return
			}
			if err != nil || rate != tt.rate {
				t.Errorf("parseFeatParams = %d, %v; want %d", rate, err, tt.rate)
			}
		})
	}
}
