package image

// registryVerbs are the commands that move images to and from registries
// and manage them in local storage.
func registryVerbs() []verb {
	return []verb{
		{top: "pull", new: newPullCommand},
	}
}
