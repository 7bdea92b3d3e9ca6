/**
 * The parsers of the GlusterFS CLI's `--xml` output (gluster-xml.ts), on the CLI documents of
 * test/fixtures/gluster-xml.ts.
 */
import {
  glusterXmlError,
  parsePoolListXml,
  parseVolumeInfoXml,
  parseVolumeStatusXml,
} from "../../../../providers/storage/gluster/gluster-xml";
import {
  NO_GLUSTERD,
  POOL_LIST,
  VOLUME_INFO,
  VOLUME_INFO_MISSING,
  VOLUME_INFO_OLD,
  VOLUME_STATUS,
  VOLUME_STATUS_STOPPED,
} from "../../../fixtures/gluster-xml";

describe("glusterXmlError", () => {
  test("undefined on success, also with an informational opErrstr or (null)", () => {
    expect(glusterXmlError(VOLUME_INFO)).toBeUndefined();
    expect(
      glusterXmlError(
        "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr>No peers present</opErrstr><peerStatus/></cliOutput>",
      ),
    ).toBeUndefined();
    expect(
      glusterXmlError(
        "<cliOutput><opRet>0</opRet><opErrno>1</opErrno><opErrstr>(null)</opErrstr><output>success: on localhost not needed</output></cliOutput>",
      ),
    ).toBeUndefined();
  });

  test("the CLI's opErrstr when opRet is not 0", () => {
    expect(glusterXmlError(VOLUME_INFO_MISSING)).toBe("Volume data01 does not exist");
    expect(
      glusterXmlError(
        "<cliOutput>\n  <opRet>-1</opRet>\n  <opErrno>107</opErrno>\n  <opErrstr>Probe returned with Transport endpoint is not connected</opErrstr>\n</cliOutput>\n",
      ),
    ).toBe("Probe returned with Transport endpoint is not connected");
  });

  test("opRet and opErrno when the CLI gave no message", () => {
    expect(glusterXmlError("<cliOutput><opRet>-1</opRet><opErrno>22</opErrno><opErrstr/></cliOutput>")).toBe(
      "gluster failed (opRet -1, opErrno 22)",
    );
    expect(glusterXmlError("<cliOutput><opErrstr/></cliOutput>")).toBe(
      "gluster failed (opRet missing, opErrno missing)",
    );
  });

  test("a description when the output is not CLI XML at all", () => {
    expect(glusterXmlError(NO_GLUSTERD)).toBe(
      "gluster printed no XML: Connection failed. Please check if gluster daemon is operational.",
    );
    expect(glusterXmlError("")).toBe("gluster printed nothing");
  });
});

describe("parseVolumeInfoXml", () => {
  test("replica 3 arbiter 1: bricks in order, the arbiter named, options by name", () => {
    const [data00] = parseVolumeInfoXml(VOLUME_INFO);
    expect(data00).toEqual({
      name: "data00",
      id: "79c4be45-1085-4b4b-8117-f8f35b478d28",
      started: true,
      status: "Started",
      replica: 3,
      arbiter: 1,
      transport: "tcp",
      bricks: ["node01m:/glvol00", "node02m:/glvol00", "node03m:/glvol00"],
      arbiterBricks: ["node03m:/glvol00"],
      options: {
        "cluster.granular-entry-heal": "on",
        "transport.address-family": "inet",
        "nfs.disable": "on",
      },
    });
  });

  test("a single brick, no options, transport 2, and names that look like numbers stay strings", () => {
    const volumes = parseVolumeInfoXml(VOLUME_INFO);
    expect(volumes).toHaveLength(2);
    expect(volumes[1]).toEqual({
      name: "1e5",
      id: "b444ed94-f346-4cda-bd55-0282f21d22db",
      started: false,
      status: "Stopped",
      replica: 1,
      arbiter: 0,
      transport: "tcp,rdma",
      bricks: ["node01m:/bricks/0042"],
      arbiterBricks: [],
      options: {},
    });
  });

  test("one volume (object, not array) of the older format: brick from <name>, no arbiter count", () => {
    expect(parseVolumeInfoXml(VOLUME_INFO_OLD)).toEqual([
      expect.objectContaining({
        name: "data00",
        replica: 2,
        arbiter: 0,
        transport: "rdma",
        bricks: ["node01m:/glvol00", "node02m:/glvol00"],
        arbiterBricks: [],
        options: { "auth.allow": "*" },
      }),
    ]);
  });

  test("no volumes", () => {
    expect(
      parseVolumeInfoXml(
        "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><volInfo><volumes><count>0</count></volumes></volInfo></cliOutput>",
      ),
    ).toEqual([]);
  });

  test("throws with the CLI's error string", () => {
    expect(() => parseVolumeInfoXml(VOLUME_INFO_MISSING)).toThrow(
      "gluster volume info: Volume data01 does not exist",
    );
    expect(() => parseVolumeInfoXml(NO_GLUSTERD)).toThrow(
      /^gluster volume info: gluster printed no XML: Connection failed/,
    );
  });
});

describe("parsePoolListXml", () => {
  test("peers with their names and connection state; the local node is self", () => {
    expect(parsePoolListXml(POOL_LIST)).toEqual([
      {
        uuid: "775b59ea-c9c0-4cab-bf99-b280bbfdb775",
        hostname: "node02m",
        hostnames: ["node02m", "192.168.9.122"],
        connected: true,
        self: false,
      },
      {
        uuid: "fadb7137-b4b3-4b9b-8179-a528e3b1bf35",
        hostname: "node03m",
        hostnames: ["node03m"],
        connected: false,
        self: false,
      },
      {
        uuid: "1b58cfc0-15ed-40b8-be28-f7c341250777",
        hostname: "localhost",
        hostnames: [],
        connected: true,
        self: true,
      },
    ]);
  });

  test("a pool of one (a single <peer>)", () => {
    const alone =
      "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><peerStatus><peer><uuid>u1</uuid>" +
      "<hostname>localhost</hostname><connected>1</connected></peer></peerStatus></cliOutput>";
    expect(parsePoolListXml(alone)).toEqual([
      { uuid: "u1", hostname: "localhost", hostnames: [], connected: true, self: true },
    ]);
  });

  test("throws when glusterd is not running", () => {
    expect(() => parsePoolListXml(NO_GLUSTERD)).toThrow(/^gluster pool list: gluster printed no XML/);
  });
});

describe("parseVolumeStatusXml", () => {
  test("the bricks with state and pid; daemons (path not absolute) are left out", () => {
    expect(parseVolumeStatusXml(VOLUME_STATUS)).toEqual([
      { hostname: "node01m", path: "/glvol00", online: true, pid: 2089 },
      { hostname: "node02m", path: "/glvol00", online: true, pid: 20242 },
      { hostname: "node03m", path: "/glvol00", online: false, pid: -1 },
    ]);
  });

  test("a single brick node, and a daemon node with repeated fields (gluster/glusterfs#4420)", () => {
    const xml =
      "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/><volStatus><volumes><volume>" +
      "<volName>data00</volName><nodeCount>2</nodeCount>" +
      "<node><hostname>node01m</hostname><path>/glvol00</path><status>1</status><pid>2089</pid></node>" +
      "<node><hostname>Self-heal Daemon</hostname><path>node01m</path>" +
      "<hostname>Bitrot Daemon</hostname><path>/node01m</path><status>1</status><pid>2109</pid></node>" +
      "</volume></volumes></volStatus></cliOutput>";
    expect(parseVolumeStatusXml(xml)).toEqual([
      { hostname: "node01m", path: "/glvol00", online: true, pid: 2089 },
    ]);
  });

  test("throws with the CLI's error when the volume is stopped", () => {
    expect(() => parseVolumeStatusXml(VOLUME_STATUS_STOPPED)).toThrow(
      "gluster volume status: Volume data00 is not started",
    );
  });
});
