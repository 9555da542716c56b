// pause: the sandbox ("infra") process of every pod on the embedded cluster's real node.
// It holds the pod's namespaces, reaps orphaned children (it is PID 1 when the pod shares
// its PID namespace) and exits on SIGINT/SIGTERM. Built static (CGO_ENABLED=0) by scripts/images.sh.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		os.Stdout.WriteString("pause (redis-platform) 1.0\n")
		return
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		switch s {
		case syscall.SIGCHLD:
			for {
				var ws syscall.WaitStatus
				pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		default:
			os.Exit(0)
		}
	}
}
