package image

// registryVerbs are the commands that move images to and from registries
// and manage them in local storage.
func registryVerbs() []verb {
	return []verb{
		{top: "pull", new: newPullCommand},
		{top: "push", new: newPushCommand},
		{top: "login", new: newLoginCommand, topOnly: true},
		{top: "logout", new: newLogoutCommand, topOnly: true},
		{top: "search", new: newSearchCommand, topOnly: true},
		{top: "images", new: newListCommand},
		{new: newInspectCommand},
		{top: "history", new: newHistoryCommand},
		{top: "tag", new: newTagCommand},
		{top: "untag", new: newUntagCommand},
		{top: "rmi", new: newRemoveCommand},
		{new: newPruneCommand},
		{new: newExistsCommand},
		{new: newTrustCommand},
		{new: newSignCommand},
	}
}
