// Command csi-hostpath is the test environment's CSI driver: volumes are directories under a state
// directory, snapshots are copies of them (cp -a, so owners, modes, times and links are kept), a
// volume created from a snapshot starts as a copy of it, and NodePublishVolume bind-mounts the
// volume's directory at the kubelet's target path. It also answers the kubelet's plugin
// registration API itself (the job of node-driver-registrar elsewhere), so a node needs this one
// process plus the standard sidecars (csi-provisioner, csi-snapshotter) and snapshot-controller.
//
// It exists because kubernetes-csi's own hostpath driver (and node-driver-registrar) are not served
// by the Go module proxy the test environment builds from. Single node, filesystem volumes only,
// no attach, no staging, no topology: enough to exercise dynamic provisioning, VolumeSnapshots and
// claims restored from them end to end on a real kubelet.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	registration "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

const version = "0.1.0"

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

type driver struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedControllerServer
	csi.UnimplementedNodeServer

	name     string
	nodeID   string
	stateDir string
	// One operation at a time: calls are few, and it keeps create/delete/copy free of races.
	mu sync.Mutex
}

type volumeMeta struct {
	ID            string `json:"id"`
	CapacityBytes int64  `json:"capacityBytes"`
	SnapshotID    string `json:"snapshotId,omitempty"`
	// Where the volume is bind-mounted on the node: it is not deleted while it is.
	Published []string `json:"published,omitempty"`
}

type snapshotMeta struct {
	ID             string    `json:"id"`
	SourceVolumeID string    `json:"sourceVolumeId"`
	CreatedAt      time.Time `json:"createdAt"`
	SizeBytes      int64     `json:"sizeBytes"`
}

func (d *driver) volumeDir(id string) string   { return filepath.Join(d.stateDir, "volumes", id) }
func (d *driver) snapshotDir(id string) string { return filepath.Join(d.stateDir, "snapshots", id) }

func readMeta(dir string, v any) (bool, error) {
	data, err := os.ReadFile(dir + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(data, v)
}

// writeMeta records an object once its directory is complete: an object without metadata is
// leftover of an interrupted call and is rebuilt.
func writeMeta(dir string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := dir + ".json.tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, dir+".json")
}

// copyTree copies the contents of src into a fresh dst with cp -a, keeping owners, modes, times,
// hard and symbolic links.
func copyTree(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o777); err != nil {
		return err
	}
	out, err := exec.Command("cp", "-a", "--", src+"/.", dst+"/").CombinedOutput()
	if err != nil {
		return fmt.Errorf("cp -a %s %s: %v: %s", src, dst, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func treeSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if info, err := e.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// ---------------------------------------------------------------------------------------------------
// Identity

func (d *driver) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: d.name, VendorVersion: version}, nil
}

func (d *driver) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

func (d *driver) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{}, nil
}

// ---------------------------------------------------------------------------------------------------
// Controller

func (d *driver) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	capability := func(t csi.ControllerServiceCapability_RPC_Type) *csi.ControllerServiceCapability {
		return &csi.ControllerServiceCapability{Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: t}}}
	}
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: []*csi.ControllerServiceCapability{
		capability(csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME),
		capability(csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT),
	}}, nil
}

func checkCapabilities(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return status.Error(codes.InvalidArgument, "volume capabilities are required")
	}
	for _, c := range caps {
		if c.GetBlock() != nil {
			return status.Error(codes.InvalidArgument, "block volumes are not supported")
		}
		switch c.GetAccessMode().GetMode() {
		case csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER, csi.VolumeCapability_AccessMode_SINGLE_NODE_READER_ONLY,
			csi.VolumeCapability_AccessMode_SINGLE_NODE_SINGLE_WRITER, csi.VolumeCapability_AccessMode_SINGLE_NODE_MULTI_WRITER:
		default:
			return status.Errorf(codes.InvalidArgument, "access mode %v is not supported (single node only)", c.GetAccessMode().GetMode())
		}
	}
	return nil
}

func (d *driver) CreateVolume(_ context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	id := req.GetName()
	if !validID.MatchString(id) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid volume name %q", id)
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return nil, err
	}
	capacity := req.GetCapacityRange().GetRequiredBytes()
	if capacity == 0 {
		capacity = 1 << 30
	}
	snapshotID := req.GetVolumeContentSource().GetSnapshot().GetSnapshotId()
	if req.GetVolumeContentSource() != nil && snapshotID == "" {
		return nil, status.Error(codes.InvalidArgument, "only snapshots are supported as a volume's content source")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := d.volumeDir(id)
	var existing volumeMeta
	if found, err := readMeta(dir, &existing); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if found {
		if existing.SnapshotID != snapshotID {
			return nil, status.Errorf(codes.AlreadyExists, "volume %s exists with another content source", id)
		}
		return &csi.CreateVolumeResponse{Volume: d.volume(existing, req.GetVolumeContentSource())}, nil
	}
	if snapshotID != "" {
		var snap snapshotMeta
		if found, err := readMeta(d.snapshotDir(snapshotID), &snap); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		} else if !found {
			return nil, status.Errorf(codes.NotFound, "snapshot %s not found", snapshotID)
		}
		if err := copyTree(d.snapshotDir(snapshotID), dir); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	} else {
		if err := os.RemoveAll(dir); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		// Any pod may write to a new volume, whatever its user (as with local-path).
		if err := os.Chmod(dir, 0o777); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	meta := volumeMeta{ID: id, CapacityBytes: capacity, SnapshotID: snapshotID}
	if err := writeMeta(dir, meta); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if snapshotID != "" {
		log.Printf("created volume %s (%d bytes) from snapshot %s", id, capacity, snapshotID)
	} else {
		log.Printf("created volume %s (%d bytes)", id, capacity)
	}
	return &csi.CreateVolumeResponse{Volume: d.volume(meta, req.GetVolumeContentSource())}, nil
}

func (d *driver) volume(m volumeMeta, source *csi.VolumeContentSource) *csi.Volume {
	return &csi.Volume{VolumeId: m.ID, CapacityBytes: m.CapacityBytes, ContentSource: source}
}

func (d *driver) DeleteVolume(_ context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	id := req.GetVolumeId()
	if !validID.MatchString(id) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid volume id %q", id)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := d.volumeDir(id)
	var m volumeMeta
	if _, err := readMeta(dir, &m); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	// A pod deleted with no grace period leaves the API before the kubelet unmounts its volumes, so
	// its claim (and this volume) can be deleted while still in use; the provisioner retries.
	if len(m.Published) > 0 {
		return nil, status.Errorf(codes.FailedPrecondition, "volume %s is still published at %s", id, strings.Join(m.Published, ", "))
	}
	if err := os.Remove(dir + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	log.Printf("deleted volume %s", id)
	return &csi.DeleteVolumeResponse{}, nil
}

func (d *driver) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if !validID.MatchString(req.GetVolumeId()) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid volume id %q", req.GetVolumeId())
	}
	var m volumeMeta
	if found, err := readMeta(d.volumeDir(req.GetVolumeId()), &m); err != nil || !found {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", req.GetVolumeId())
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext: req.GetVolumeContext(), VolumeCapabilities: req.GetVolumeCapabilities(), Parameters: req.GetParameters(),
	}}, nil
}

func (d *driver) CreateSnapshot(_ context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	id, source := req.GetName(), req.GetSourceVolumeId()
	if !validID.MatchString(id) || !validID.MatchString(source) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid snapshot name %q or source volume %q", id, source)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := d.snapshotDir(id)
	var snap snapshotMeta
	if found, err := readMeta(dir, &snap); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if found {
		if snap.SourceVolumeID != source {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %s exists for another volume (%s)", id, snap.SourceVolumeID)
		}
		return &csi.CreateSnapshotResponse{Snapshot: snapshotOf(snap)}, nil
	}
	var vol volumeMeta
	if found, err := readMeta(d.volumeDir(source), &vol); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if !found {
		return nil, status.Errorf(codes.NotFound, "source volume %s not found", source)
	}
	if err := copyTree(d.volumeDir(source), dir); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	snap = snapshotMeta{ID: id, SourceVolumeID: source, CreatedAt: time.Now().UTC(), SizeBytes: treeSize(dir)}
	if err := writeMeta(dir, snap); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	log.Printf("created snapshot %s of volume %s (%d bytes)", id, source, snap.SizeBytes)
	return &csi.CreateSnapshotResponse{Snapshot: snapshotOf(snap)}, nil
}

func snapshotOf(s snapshotMeta) *csi.Snapshot {
	return &csi.Snapshot{SnapshotId: s.ID, SourceVolumeId: s.SourceVolumeID, CreationTime: timestamppb.New(s.CreatedAt), SizeBytes: s.SizeBytes, ReadyToUse: true}
}

func (d *driver) DeleteSnapshot(_ context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if !validID.MatchString(id) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid snapshot id %q", id)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := d.snapshotDir(id)
	if err := os.Remove(dir + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	log.Printf("deleted snapshot %s", id)
	return &csi.DeleteSnapshotResponse{}, nil
}

// ---------------------------------------------------------------------------------------------------
// Node

func (d *driver) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: d.nodeID}, nil
}

func (d *driver) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{}, nil
}

// isMountPoint tells whether path is a mount point, from the mount table.
func isMountPoint(path string) (bool, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 4 && strings.ReplaceAll(fields[4], `\040`, " ") == path {
			return true, nil
		}
	}
	return false, nil
}

func (d *driver) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	if !validID.MatchString(id) || target == "" || !filepath.IsAbs(target) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid volume id %q or target path %q", id, target)
	}
	if req.GetVolumeCapability() == nil {
		return nil, status.Error(codes.InvalidArgument, "volume capability is required")
	}
	if err := checkCapabilities([]*csi.VolumeCapability{req.GetVolumeCapability()}); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var m volumeMeta
	if found, err := readMeta(d.volumeDir(id), &m); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if !found {
		return nil, status.Errorf(codes.NotFound, "volume %s not found", id)
	}
	if mounted, err := isMountPoint(target); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if mounted {
		return &csi.NodePublishVolumeResponse{}, nil
	}
	// Recorded before mounting, so a crash in between errs on the side of keeping the volume.
	if !slices.Contains(m.Published, target) {
		m.Published = append(m.Published, target)
		if err := writeMeta(d.volumeDir(id), m); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	unrecord := func() {
		m.Published = slices.DeleteFunc(m.Published, func(p string) bool { return p == target })
		_ = writeMeta(d.volumeDir(id), m)
	}
	if err := syscall.Mount(d.volumeDir(id), target, "", syscall.MS_BIND, ""); err != nil {
		unrecord()
		return nil, status.Errorf(codes.Internal, "bind mount %s at %s: %v", d.volumeDir(id), target, err)
	}
	if req.GetReadonly() {
		if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			_ = syscall.Unmount(target, 0)
			unrecord()
			return nil, status.Errorf(codes.Internal, "remount %s read-only: %v", target, err)
		}
	}
	log.Printf("published volume %s at %s (read-only %v)", id, target, req.GetReadonly())
	return &csi.NodePublishVolumeResponse{}, nil
}

func (d *driver) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	if !validID.MatchString(id) || target == "" || !filepath.IsAbs(target) {
		return nil, status.Errorf(codes.InvalidArgument, "invalid volume id %q or target path %q", id, target)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		mounted, err := isMountPoint(target)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		if !mounted {
			break
		}
		if err := syscall.Unmount(target, 0); err != nil {
			return nil, status.Errorf(codes.Internal, "unmount %s: %v", target, err)
		}
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, status.Error(codes.Internal, err.Error())
	}
	var m volumeMeta
	if found, err := readMeta(d.volumeDir(id), &m); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	} else if found && slices.Contains(m.Published, target) {
		m.Published = slices.DeleteFunc(m.Published, func(p string) bool { return p == target })
		if err := writeMeta(d.volumeDir(id), m); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	log.Printf("unpublished volume %s from %s", id, target)
	return &csi.NodeUnpublishVolumeResponse{}, nil
}

// ---------------------------------------------------------------------------------------------------
// Kubelet plugin registration

type registrar struct {
	registration.UnimplementedRegistrationServer
	name, endpoint string
}

func (r *registrar) GetInfo(context.Context, *registration.InfoRequest) (*registration.PluginInfo, error) {
	return &registration.PluginInfo{Type: registration.CSIPlugin, Name: r.name, Endpoint: r.endpoint, SupportedVersions: []string{"1.0.0"}}, nil
}

func (r *registrar) NotifyRegistrationStatus(_ context.Context, s *registration.RegistrationStatus) (*registration.RegistrationStatusResponse, error) {
	if s.PluginRegistered {
		log.Printf("registered with the kubelet")
	} else {
		log.Printf("the kubelet refused the registration: %s", s.Error)
	}
	return &registration.RegistrationStatusResponse{}, nil
}

// ---------------------------------------------------------------------------------------------------

func listen(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return net.Listen("unix", path)
}

func logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		log.Printf("%s: %v", info.FullMethod, err)
	}
	return resp, err
}

func main() {
	endpoint := flag.String("endpoint", "", "path of the CSI socket to serve")
	registrationPath := flag.String("registration-path", "", "path of the kubelet registration socket to serve (in the kubelet's plugins_registry directory); none if empty")
	name := flag.String("drivername", "hostpath.csi.k8s.io", "the CSI driver's name")
	nodeID := flag.String("nodeid", "", "the node's name")
	stateDir := flag.String("statedir", "", "where volumes and snapshots are kept")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if *endpoint == "" || *nodeID == "" || *stateDir == "" {
		log.Fatal("--endpoint, --nodeid and --statedir are required")
	}
	d := &driver{name: *name, nodeID: *nodeID, stateDir: *stateDir}
	for _, dir := range []string{"volumes", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(*stateDir, dir), 0o755); err != nil {
			log.Fatal(err)
		}
	}

	csiListener, err := listen(*endpoint)
	if err != nil {
		log.Fatalf("listen on %s: %v", *endpoint, err)
	}
	server := grpc.NewServer(grpc.UnaryInterceptor(logCalls))
	csi.RegisterIdentityServer(server, d)
	csi.RegisterControllerServer(server, d)
	csi.RegisterNodeServer(server, d)
	go func() {
		if err := server.Serve(csiListener); err != nil {
			log.Fatalf("CSI server: %v", err)
		}
	}()

	var regServer *grpc.Server
	if *registrationPath != "" {
		// Registered only once the CSI socket answers: the kubelet calls NodeGetInfo right away.
		regListener, err := listen(*registrationPath)
		if err != nil {
			log.Fatalf("listen on %s: %v", *registrationPath, err)
		}
		regServer = grpc.NewServer(grpc.UnaryInterceptor(logCalls))
		registration.RegisterRegistrationServer(regServer, &registrar{name: *name, endpoint: *endpoint})
		go func() {
			if err := regServer.Serve(regListener); err != nil {
				log.Fatalf("registration server: %v", err)
			}
		}()
	}
	log.Printf("%s %s serving %s for node %s (state in %s)", *name, version, *endpoint, *nodeID, *stateDir)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	if regServer != nil {
		regServer.Stop() // removes the socket, so the kubelet deregisters the driver
		_ = os.Remove(*registrationPath)
	}
	server.Stop()
	_ = os.Remove(*endpoint)
}
