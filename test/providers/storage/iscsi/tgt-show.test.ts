/** The parser of `tgtadm --lld iscsi --mode target --op show` (tgt-show.ts). */
import { parseTgtShow, tgtSizeMB } from "../../../../providers/storage/iscsi/tgt-show";
import { E2E_TGT_DIR } from "../../../fixtures/iscsi";
import { TGT_CONTROLLER, tgtLun, tgtLunOfMiB } from "../../../fixtures/tgt-show";

/** Real output of `tgtadm --lld iscsi --mode target --op show` on the lab host (no sessions). */
const TGT_PROBE = `Target 1: iqn.2011-08.com.example:probe
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
    LUN information:
        LUN: 0
            Type: controller
            SCSI ID: IET     00010000
            SCSI SN: beaf10
            Size: 0 MB, Block size: 1
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: No
            SWP: No
            Thin-provisioning: No
            Backing store type: null
            Backing store path: None
            Backing store flags: 
        LUN: 1
            Type: disk
            SCSI ID: IET     00010001
            SCSI SN: beaf11
            Size: 10 MB, Block size: 512
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: No
            SWP: No
            Thin-provisioning: No
            Backing store type: rdwr
            Backing store path: /tmp/lun1.img
            Backing store flags: 
    Account information:
    ACL information:
        192.168.8.121
        iqn.x:node01
`;

/** The e2e target with two sessions (the I_T nexus shape of tgt 1.0.85, one without alias) and a second target. */
const TGT_TWO = `Target 1: iqn.2011-08.com.example.kvmhost:e2e-tgt01
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 1
            Initiator: iqn.2011-08.com.example.kvmhost:e2e-tgt01-node01 alias: node01
            Connection: 0
                IP Address: 192.168.8.121
        I_T nexus: 2
            Initiator: iqn.2011-08.com.example.kvmhost:e2e-tgt01-node02
            Connection: 0
                IP Address: 192.168.8.122
    LUN information:
${TGT_CONTROLLER}${tgtLun(1, 105, `${E2E_TGT_DIR}/volume01.img`)}${tgtLun(2, 10737, `${E2E_TGT_DIR}/volume02.img`)}    Account information:
    ACL information:
        192.168.8.121
        192.168.8.122
        iqn.2011-08.com.example.kvmhost:e2e-tgt01-node01
        iqn.2011-08.com.example.kvmhost:e2e-tgt01-node02
Target 2: iqn.2011-08.com.example.kvmhost:other
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
    LUN information:
${TGT_CONTROLLER}    Account information:
    ACL information:
`;

/** A one-LUN target whose LUN has `mib` MiB, as tgt would print it. */
function renderTgtLunSize(mib: number): string {
  return `Target 1: iqn.2011-08.com.example:t\n    LUN information:\n${tgtLunOfMiB(1, mib, "/srv/x.img")}`;
}

describe("parseTgtShow", () => {
  test("the probe target: LUN 1 only (the controller is left out), its ACL, no sessions", () => {
    expect(parseTgtShow(TGT_PROBE)).toEqual([
      {
        tid: 1,
        iqn: "iqn.2011-08.com.example:probe",
        luns: [{ lun: 1, sizeMiB: 10, path: "/tmp/lun1.img" }],
        acl: ["192.168.8.121", "iqn.x:node01"],
        sessions: [],
      },
    ]);
  });

  test("two targets, sessions with and without alias, sizes converted from tgt's MB to MiB", () => {
    const [e2e, other, ...rest] = parseTgtShow(TGT_TWO);
    expect(rest).toEqual([]);
    expect(e2e.tid).toBe(1);
    expect(e2e.sessions).toEqual([
      { initiator: "iqn.2011-08.com.example.kvmhost:e2e-tgt01-node01", address: "192.168.8.121" },
      { initiator: "iqn.2011-08.com.example.kvmhost:e2e-tgt01-node02", address: "192.168.8.122" },
    ]);
    // tgt shows a 100 MiB file as "105 MB" and a 10 GiB file as "10737 MB".
    expect(e2e.luns).toEqual([
      { lun: 1, sizeMiB: 100, path: `${E2E_TGT_DIR}/volume01.img` },
      { lun: 2, sizeMiB: 10240, path: `${E2E_TGT_DIR}/volume02.img` },
    ]);
    expect(e2e.acl).toHaveLength(4);
    expect(other).toEqual({
      tid: 2,
      iqn: "iqn.2011-08.com.example.kvmhost:other",
      luns: [],
      acl: [],
      sessions: [],
    });
  });

  test("empty input (tgtd without targets) gives no targets", () => {
    expect(parseTgtShow("")).toEqual([]);
    expect(parseTgtShow("\n")).toEqual([]);
  });

  test("CR LF line ends parse the same", () => {
    expect(parseTgtShow(TGT_PROBE.replace(/\n/g, "\r\n"))).toEqual(parseTgtShow(TGT_PROBE));
  });

  test("tgtSizeMB is tgt's print_disksize, and the parser inverts it for whole-MiB sizes", () => {
    expect([0, 10, 100, 1024, 10240].map((mib) => tgtSizeMB(mib * 1_048_576))).toEqual([
      0, 10, 105, 1074, 10737,
    ]);
    for (const mib of [1, 2, 3, 7, 10, 99, 100, 512, 1000, 4096, 65_536, 1_000_000, 4_194_304]) {
      const shown = renderTgtLunSize(mib);
      expect(parseTgtShow(shown)[0].luns[0].sizeMiB).toBe(mib);
    }
  });
});
