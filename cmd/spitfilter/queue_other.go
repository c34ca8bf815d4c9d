//go:build !linux

package main

import (
	"context"
	"errors"
)

// errNoNFQUEUE: NFQUEUE is Linux's.
var errNoNFQUEUE = errors.New("NFQUEUE needs Linux")

func openQueue(context.Context, uint16, *daemon, func(error)) (queueReader, *lane, error) {
	return nil, nil, errNoNFQUEUE
}
