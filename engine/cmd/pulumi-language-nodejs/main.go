// Command pulumi-language-nodejs is kvm-ha-lab's Node.js language host for the Pulumi engine.
//
// Why it exists: upstream's host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which is never tagged, and the Go
// module proxy reachable from this project's machines refuses every pseudo-version of it ("This module
// version is not available"). See docs/ENGINE.md. This host implements the part of the
// LanguageRuntime gRPC protocol that `pulumi preview/up/refresh/destroy` use: it starts the program with
// the runner that ships inside the program's own @pulumi/pulumi package (cmd/run), exactly as upstream's
// host does, and reports the Node packages that carry Pulumi plugins. `RunPlugin` starts policy packs
// (`--policy-pack DIR`) the way upstream's host does; other plugin kinds and everything else are
// "unimplemented".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is stamped at build time (-X main.version=...).
var version = "3.248.0"

// exitBail is the exit code @pulumi/pulumi's runner uses after it has already reported the error.
const exitBail = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	tracing := flags.String("tracing", "", "tracing endpoint (passed to the program)")
	_ = flags.String("root", "", "project root (unused)")
	_ = flags.Bool("logtostderr", false, "log to stderr (unused)")
	_ = flags.Bool("logflow", false, "flow logs (unused)")
	_ = flags.Int("v", 0, "verbosity (unused)")
	_ = flags.Bool("typescript", true, "compatibility flag (runtime option decides)")
	if err := flags.Parse(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	h := &host{}
	if flags.NArg() > 0 {
		h.engineAddress = flags.Arg(flags.NArg() - 1)
	}
	tracingEndpoint = *tracing

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "could not start the language host: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host stopped: %v\n", err)
		os.Exit(1)
	}
}

var tracingEndpoint string

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// pulumiPackage is a Node package that declares a Pulumi resource plugin in its package.json.
type pulumiPackage struct {
	Name    string
	Version string
	Server  string
}

// findPulumiPackages lists node_modules packages whose package.json has `"pulumi": {"resource": true}`.
func findPulumiPackages(programDir string) ([]pulumiPackage, error) {
	root, err := findUp(programDir, "node_modules")
	if err != nil {
		return nil, nil // no node_modules: nothing required
	}
	var dirs []string
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(root, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(root, name, s.Name()))
			}
		} else if !strings.HasPrefix(name, ".") {
			dirs = append(dirs, filepath.Join(root, name))
		}
	}
	var out []pulumiPackage
	for _, d := range dirs {
		raw, err := os.ReadFile(filepath.Join(d, "package.json"))
		if err != nil {
			continue
		}
		var pkg struct {
			Version string `json:"version"`
			Pulumi  struct {
				Resource bool   `json:"resource"`
				Name     string `json:"name"`
				Version  string `json:"version"`
				Server   string `json:"server"`
			} `json:"pulumi"`
		}
		if json.Unmarshal(raw, &pkg) != nil || !pkg.Pulumi.Resource {
			continue
		}
		name := pkg.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(filepath.Base(d), "pulumi-")
		}
		v := pkg.Pulumi.Version
		if v == "" {
			v = pkg.Version
		}
		out = append(out, pulumiPackage{Name: name, Version: "v" + strings.TrimPrefix(v, "v"), Server: pkg.Pulumi.Server})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := findPulumiPackages(programDirOf(req.GetInfo(), req.GetProgram()))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range pkgs {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := findPulumiPackages(programDirOf(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range pkgs {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server,
		})
	}
	return resp, nil
}

func programDirOf(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if fallback != "" {
		return fallback
	}
	wd, _ := os.Getwd()
	return wd
}

// findUp returns the first DIR/name that exists, walking from dir to the file-system root.
func findUp(dir, name string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s not found above %s", name, dir)
		}
	}
}

// runtimeOption reads a Pulumi.yaml `runtime.options` value.
func runtimeOption(info *pulumirpc.ProgramInfo, key string) (string, bool) {
	if info == nil || info.GetOptions() == nil {
		return "", false
	}
	v, ok := info.GetOptions().GetFields()[key]
	if !ok {
		return "", false
	}
	if b, isBool := v.GetKind().(*structpb.Value_BoolValue); isBool {
		return strconv.FormatBool(b.BoolValue), true
	}
	return v.GetStringValue(), true
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := programDirOf(info, req.GetProgram())
	entry := "."
	if info != nil && info.GetEntryPoint() != "" {
		entry = info.GetEntryPoint()
	}
	modules, err := findUp(programDir, "node_modules")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "no node_modules found for the program in " + programDir +
			": run `npm ci` in the project first"}, nil
	}
	runner := filepath.Join(modules, "@pulumi", "pulumi", "cmd", "run")
	if _, err := os.Stat(runner); err != nil {
		return &pulumirpc.RunResponse{Error: "@pulumi/pulumi is not installed in " + modules +
			": run `npm ci` in the project first"}, nil
	}

	args := []string{runner,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization", req.GetOrganization())
	}
	if info != nil && info.GetRootDirectory() != "" {
		args = append(args, "--root-directory", info.GetRootDirectory())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel", strconv.Itoa(int(req.GetParallel())))
	}
	if tracingEndpoint != "" {
		args = append(args, "--tracing", tracingEndpoint)
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	typescript := "true"
	if v, ok := runtimeOption(info, "typescript"); ok {
		typescript = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+typescript)
	if v, ok := runtimeOption(info, "tsconfig"); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node is not on PATH: install Node.js 20"}, nil
	}
	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.ExitStatus() == exitBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with %v", exitErr)}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin starts a policy pack (a plugin of kind analyzer: `pulumi preview|up --policy-pack DIR`), as
// upstream's host does: `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> DIR` in DIR, the
// node_modules being the nearest one above DIR. The pack's stack, project and configuration reach it in
// the environment a program gets (PULUMI_NODEJS_STACK, PULUMI_CONFIG, …), so pulumi.getStack() and
// pulumi.Config work in it: the engine sends them in the analyzer's ConfigureStack call, which sdk's
// PolicyProxy answers (its port is what the engine reads first) before the pack starts; the proxy then
// forwards every other call to the pack's own analyzer server. Other plugin kinds are unimplemented.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != string(apitype.AnalyzerPlugin) {
		return status.Errorf(codes.Unimplemented,
			"this language host runs policy packs only, not %q plugins (docs/ENGINE.md)", req.GetKind())
	}
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	packDir := programDirOf(req.GetInfo(), req.GetPwd())
	modules, err := findUp(packDir, "node_modules")
	if err != nil {
		return fmt.Errorf("no node_modules found for the policy pack in %s: run `npm ci` in the project first", packDir)
	}
	runner := filepath.Join(modules, "@pulumi", "pulumi", "cmd", "run-policy-pack")
	if _, err := os.Stat(runner); err != nil {
		return fmt.Errorf("@pulumi/pulumi is not installed in %s: run `npm ci` in the project first", modules)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return errors.New("node is not on PATH: install Node.js 20")
	}

	env := req.GetEnv()
	if len(env) == 0 {
		env = os.Environ()
	}
	proxy, packStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start the policy pack proxy: %w", err)
	}
	config, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get the stack's configuration for the policy pack: %w", err)
	}
	if config != nil {
		set := func(k, v string) {
			if v != "" {
				env = append(env, k+"="+v)
			}
		}
		set("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
		set("PULUMI_NODEJS_PROJECT", config.GetProject())
		set("PULUMI_NODEJS_STACK", config.GetStack())
		set("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
		if config.GetConfig() != nil {
			raw, err := json.Marshal(config.GetConfig())
			if err != nil {
				return err
			}
			set("PULUMI_CONFIG", string(raw))
		}
		if keys := config.GetConfigSecretKeys(); len(keys) > 0 {
			raw, err := json.Marshal(keys)
			if err != nil {
				return err
			}
			set("PULUMI_CONFIG_SECRET_KEYS", string(raw))
		}
	}

	args := append([]string{runner}, req.GetArgs()...)
	args = append(args, packDir)
	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Dir = packDir
	cmd.Env = env
	cmd.Stdout = packStdout
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start the policy pack with %s: %w", nodeBin, err)
	}
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("the policy pack exited with %v", exitErr)
		}
		return fmt.Errorf("policy pack: %w", err)
	}
	return closer.Close()
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := programDirOf(req.GetInfo(), req.GetDirectory())
	cmd := exec.CommandContext(server.Context(), "npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if sendErr := server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: out}); sendErr != nil {
		return sendErr
	}
	if err != nil {
		return fmt.Errorf("npm install in %s failed: %w", dir, err)
	}
	return nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not on PATH")
	}
	out, err := exec.Command(nodeBin, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: nodeBin, Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDirOf(req.GetInfo(), req.GetProgram())
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for name, v := range pkg.Dependencies {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: name, Version: v})
	}
	sort.Slice(resp.Dependencies, func(i, j int) bool { return resp.Dependencies[i].Name < resp.Dependencies[j].Name })
	return resp, nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}
