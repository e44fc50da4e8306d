// compose-check loads a Compose file with compose-go (the loader Docker Compose uses), validating it against
// the Compose specification, and prints the normalized services of the profiles in COMPOSE_PROFILES (as Docker
// Compose reads it). Usage: compose-check <file>
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>")
		os.Exit(2)
	}
	file, _ := filepath.Abs(os.Args[1])
	options, err := cli.NewProjectOptions([]string{file}, cli.WithOsEnv, cli.WithDefaultProfiles(), cli.WithName("mend"))
	if err == nil {
		var project interface{ ServiceNames() []string }
		p, loadErr := options.LoadProject(context.Background())
		if loadErr == nil {
			project = p
			names := project.ServiceNames()
			sort.Strings(names)
			for _, n := range names {
				fmt.Println(n)
			}
			return
		}
		err = loadErr
	}
	fmt.Fprintln(os.Stderr, "invalid compose file:", err)
	os.Exit(1)
}
