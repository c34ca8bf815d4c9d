//go:build !unix

package pocketsphinx

// processAlive cannot tell here, so it says yes: nothing is removed.
func processAlive(int) bool { return true }
