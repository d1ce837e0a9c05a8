package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pod-engine/pod/cmd/pod/cli"
	"github.com/pod-engine/pod/pkg/images"
)

// What a command's arguments name, for shell completion.
type argKind int

const (
	argContainer argKind = iota + 1
	argImage
	argNetwork
	argVolume
	argContainerOrImage
	argSecret
)

// completion says what the arguments of a command complete to: the kind of
// every argument (all), or of the first only and then, for a few, of the
// second (network connect NET CTR).
type completion struct {
	kinds []argKind // by position; the last repeats when repeat
	rep   bool
}

func (c completion) kindAt(i int) argKind {
	switch {
	case i < len(c.kinds):
		return c.kinds[i]
	case c.rep && len(c.kinds) > 0:
		return c.kinds[len(c.kinds)-1]
	}
	return 0
}

var (
	many = func(k argKind) completion { return completion{kinds: []argKind{k}, rep: true} }
	one  = func(k argKind) completion { return completion{kinds: []argKind{k}} }
)

// completions maps "PARENT VERB" (PARENT "pod" for top-level verbs) to
// what its arguments are.
var completions = map[string]completion{}

func init() {
	ctrMany := []string{"start", "stop", "rm", "remove", "kill", "restart", "logs", "wait", "pause", "unpause", "mount", "unmount", "umount", "init", "stats", "exists", "inspect"}
	ctrOne := []string{"exec", "attach", "port", "top", "rename", "diff", "export", "commit", "update", "cp"}
	for _, parent := range []string{"pod", "container"} {
		for _, v := range ctrMany {
			completions[parent+" "+v] = many(argContainer)
		}
		for _, v := range ctrOne {
			completions[parent+" "+v] = one(argContainer)
		}
		completions[parent+" run"] = one(argImage)
		completions[parent+" create"] = one(argImage)
	}
	completions["pod inspect"] = many(argContainerOrImage)
	completions["healthcheck run"] = one(argContainer)
	for _, v := range []string{"rmi", "history", "save", "untag"} {
		completions["pod "+v] = many(argImage)
	}
	completions["pod tag"] = one(argImage)
	completions["pod push"] = one(argImage)
	for _, v := range []string{"rm", "remove", "inspect", "history", "save", "exists", "untag"} {
		completions["image "+v] = many(argImage)
	}
	completions["image tag"] = one(argImage)
	completions["image push"] = one(argImage)
	for _, v := range []string{"rm", "remove", "inspect", "exists"} {
		completions["network "+v] = many(argNetwork)
		completions["volume "+v] = many(argVolume)
	}
	for _, v := range []string{"mount", "unmount", "umount"} {
		completions["image "+v] = many(argImage)
	}
	for _, v := range []string{"export", "import"} {
		completions["volume "+v] = one(argVolume)
	}
	completions["container clone"] = one(argContainer)
	for _, v := range []string{"rm", "remove", "inspect", "exists"} {
		completions["secret "+v] = many(argSecret)
	}
	completions["network connect"] = completion{kinds: []argKind{argNetwork, argContainer}}
	completions["network disconnect"] = completion{kinds: []argKind{argNetwork, argContainer}}
}

// addCompletions enables cobra's `completion bash|zsh|fish|powershell`
// command and gives the commands that name containers, images, networks
// and volumes their names as completions, read from the same storage the
// command would use (--root and --runroot count).
func addCompletions(root *cobra.Command, g *cli.Globals) {
	root.CompletionOptions.DisableDefaultCmd = false
	root.CompletionOptions.HiddenDefaultCmd = false
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Parent() != nil {
			if comp, ok := completions[c.Parent().Name()+" "+c.Name()]; ok && c.ValidArgsFunction == nil {
				c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
					kind := comp.kindAt(len(args))
					if kind == 0 {
						return nil, cobra.ShellCompDirectiveNoFileComp
					}
					return names(cmd.Context(), g, kind, toComplete), cobra.ShellCompDirectiveNoFileComp
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// names lists the names of kind starting with prefix; nothing when storage
// cannot be read (completion never prints errors into a shell).
func names(ctx context.Context, g *cli.Globals, kind argKind, prefix string) []cobra.Completion {
	if ctx == nil {
		ctx = context.Background()
	}
	rt, err := g.Open(ctx)
	if err != nil {
		return nil
	}
	defer rt.Close()
	var out []string
	if kind == argContainer || kind == argContainerOrImage {
		if cs, err := rt.Containers(ctx); err == nil {
			for _, c := range cs {
				out = append(out, c.Name)
			}
		}
	}
	if kind == argImage || kind == argContainerOrImage {
		if is, err := rt.Images().ListImages(ctx, images.ListImagesOptions{}); err == nil {
			for _, i := range is {
				for _, n := range i.RepoTags {
					if !images.IsDigestedName(n) {
						out = append(out, n)
					}
				}
			}
		}
	}
	if kind == argNetwork {
		if ns, err := rt.NetworkList(ctx, nil); err == nil {
			for _, n := range ns {
				out = append(out, n.Name)
			}
		}
	}
	if kind == argVolume {
		if vs, err := rt.ListVolumes(ctx, nil); err == nil {
			for _, v := range vs {
				out = append(out, v.Name)
			}
		}
	}
	if kind == argSecret {
		if ss, err := rt.ListSecrets(ctx, nil); err == nil {
			for _, sec := range ss {
				out = append(out, sec.Name)
			}
		}
	}
	out = slices.DeleteFunc(out, func(n string) bool { return !strings.HasPrefix(n, prefix) })
	slices.Sort(out)
	return slices.Compact(out)
}
