package main

import (
	"regexp"
	"strings"
	"time"

	"castellan/twin/infisical"
)

// A simulated Talos cluster, as far as castellan can see it: when the
// init node boots on a config that carries castellan's ESO canary pair,
// "ESO" echoes the canary after a moment, through the Infisical twin,
// in the project, environment and folder of the config's
// ClusterSecretStore. Nothing else about Talos or ESO is simulated.
var (
	reCanary = regexp.MustCompile(`"(CASTELLAN_CANARY_[a-z0-9]+)"`)
	reEcho   = regexp.MustCompile(`"(CASTELLAN_ECHO_[a-z0-9]+)"`)
	reScope  = regexp.MustCompile(`(projectSlug|environmentSlug|secretsPath): "([^"]*)"`)
)

// esoEchoDelay stands for the minutes a real cluster takes to come up.
const esoEchoDelay = 2 * time.Second

func simulatedESO(inf *infisical.Twin) func(vmid int, userData string) {
	return func(vmid int, userData string) {
		if !strings.Contains(userData, "\n  type: init\n") {
			return
		}
		canary, echo := reCanary.FindStringSubmatch(userData), reEcho.FindStringSubmatch(userData)
		if canary == nil || echo == nil {
			return
		}
		scope := map[string]string{}
		for _, m := range reScope.FindAllStringSubmatch(userData, -1) {
			scope[m[1]] = m[2]
		}
		time.Sleep(esoEchoDelay)
		inf.Echo(scope["projectSlug"], scope["environmentSlug"], scope["secretsPath"], canary[1], echo[1])
	}
}
