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
	argPod
	argContainerOrPod
	argAny // inspect: containers, images, pods, networks, volumes
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

// completions maps a command's path below the root ("rm", "container rm",
// "pod rm" for the pod group's) to what its arguments are.
var completions = map[string]completion{}

func init() {
	ctrMany := []string{"start", "stop", "rm", "remove", "kill", "restart", "logs", "wait", "pause", "unpause",
		"mount", "unmount", "umount", "init", "stats", "exists", "inspect", "checkpoint", "restore", "cleanup"}
	ctrOne := []string{"exec", "attach", "port", "top", "rename", "diff", "export", "update", "clone", "runlabel"}
	for _, parent := range []string{"", "container "} {
		for _, v := range ctrMany {
			completions[parent+v] = many(argContainer)
		}
		for _, v := range ctrOne {
			completions[parent+v] = one(argContainer)
		}
		// commit CONTAINER [IMAGE]: the new name is the user's.
		completions[parent+"commit"] = one(argContainer)
		completions[parent+"run"] = one(argImage)
		completions[parent+"create"] = one(argImage)
	}
	completions["inspect"] = many(argAny)
	completions["diff"] = one(argContainerOrImage)
	completions["healthcheck run"] = one(argContainer)
	for _, v := range []string{"rmi", "history", "save", "untag"} {
		completions[v] = many(argImage)
	}
	for _, v := range []string{"tag", "push", "images"} {
		completions[v] = one(argImage)
	}
	for _, v := range []string{"rm", "remove", "inspect", "history", "save", "exists", "untag", "mount", "unmount", "umount", "tree", "sign"} {
		completions["image "+v] = many(argImage)
	}
	for _, v := range []string{"tag", "push", "list", "ls", "diff"} {
		completions["image "+v] = one(argImage)
	}
	for _, v := range []string{"rm", "remove", "inspect", "exists"} {
		completions["network "+v] = many(argNetwork)
		completions["volume "+v] = many(argVolume)
		completions["secret "+v] = many(argSecret)
	}
	completions["network reload"] = many(argContainer)
	completions["network connect"] = completion{kinds: []argKind{argNetwork, argContainer}}
	completions["network disconnect"] = completion{kinds: []argKind{argNetwork, argContainer}}
	for _, v := range []string{"export", "import"} {
		completions["volume "+v] = one(argVolume)
	}
	for _, v := range []string{"mount", "unmount", "umount"} {
		completions["volume "+v] = many(argVolume)
	}
	for _, v := range []string{"start", "stop", "rm", "remove", "kill", "restart", "pause", "unpause", "inspect", "exists", "stats", "top", "logs", "clone"} {
		completions["pod "+v] = many(argPod)
	}
	completions["generate systemd"] = one(argContainerOrPod)
	completions["generate kube"] = many(argContainerOrPod)
	completions["kube generate"] = many(argContainerOrPod)
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
			path := strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
			if comp, ok := completions[path]; ok && c.ValidArgsFunction == nil {
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
	is := func(kinds ...argKind) bool { return kind == argAny || slices.Contains(kinds, kind) }
	if is(argContainer, argContainerOrImage, argContainerOrPod) {
		if cs, err := rt.Containers(ctx); err == nil {
			for _, c := range cs {
				out = append(out, c.Name)
			}
		}
	}
	if is(argImage, argContainerOrImage) {
		if imgs, err := rt.Images().ListImages(ctx, images.ListImagesOptions{}); err == nil {
			for _, i := range imgs {
				for _, n := range i.RepoTags {
					if !images.IsDigestedName(n) {
						out = append(out, n)
					}
				}
			}
		}
	}
	if is(argNetwork) {
		if ns, err := rt.NetworkList(ctx, nil); err == nil {
			for _, n := range ns {
				out = append(out, n.Name)
			}
		}
	}
	if is(argVolume) {
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
	if is(argPod, argContainerOrPod) {
		if ps, err := rt.Pods(ctx); err == nil {
			for _, p := range ps {
				out = append(out, p.Name)
			}
		}
	}
	out = slices.DeleteFunc(out, func(n string) bool { return !strings.HasPrefix(n, prefix) })
	slices.Sort(out)
	return slices.Compact(out)
}
