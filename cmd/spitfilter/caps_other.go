//go:build !linux

package main

// dropCapabilities does nothing outside Linux.
func dropCapabilities() error { return nil }
