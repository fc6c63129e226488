//go:build !unix

package server

func defaultMaxConns() int { return DefaultMaxConns }
