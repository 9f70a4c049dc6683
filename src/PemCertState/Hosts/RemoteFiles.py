# pemstate's file operations on a host reached over SSH (see RemoteFileProgram.cs).
#
# Every operation goes through descriptors, as LocalHost does: the folder is reached from "/" one name at a time with
# O_NOFOLLOW, files are opened inside it with O_NOFOLLOW|O_NONBLOCK and believed only if fstat says regular, modes and
# owners are set with fchmod/fchown on the descriptor, renames and unlinks name a file inside the held folder. SFTP and
# the shell tools (mv, chmod, chown, tar -h, stat -L) act by path, and an account that owns the folder can re-point a
# path between two of their calls.
#
# Runs on Python 3.6 (RHEL 8's platform-python) and later: no walrus, no dataclasses, bytes paths (under a C locale
# Python 3.6 would encode str paths as ASCII).
#
# Framing, both ways: a 4-byte big-endian length, a JSON header of that length, then header["size"] bytes of data when
# the header has "size". Requests end with a length of 0. One answer per request, in order. Errors are answers, not
# tracebacks; file content never appears in a header. A request marked "after" runs only if every request before it in
# this run succeeded (a pair switch's writes, in order, stop at the first that fails, as they would one by one).
import base64
import contextlib
import errno
import grp
import hashlib
import json
import os
import pwd
import re
import stat
import struct
import subprocess
import sys

MAX_FILE_BYTES = 8 * 1024 * 1024  # FileLimits.Managed: a read that names no limit
STATE_FILE_BYTES = 256 * 1024 * 1024  # FileLimits.State: the most a read may ask for (pemstate's own state files)
MAX_LINKS = 40
EUID = os.geteuid()

KINDS = {
    stat.S_IFIFO: "fifo", stat.S_IFCHR: "chardev", stat.S_IFDIR: "folder", stat.S_IFBLK: "blockdev",
    stat.S_IFREG: "regular", stat.S_IFLNK: "link", stat.S_IFSOCK: "socket",
}


class Refused(Exception):
    """A managed path pemstate will not act on; the answer says why, C# words it."""

    def __init__(self, reason, **details):
        Exception.__init__(self, reason)
        self.answer = {"status": "refused", "reason": reason}
        self.answer.update(details)


def text(name):
    return name.decode("utf-8", "replace")


def kind_of(mode):
    return KINDS.get(stat.S_IFMT(mode), "special")


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def components(path):
    return [c for c in path.split(b"/") if c and c != b"."]


def join(folder, name):
    return folder + name if folder.endswith(b"/") else folder + b"/" + name


def trusted_owner(uid):
    return uid == 0 or uid == EUID


def note_writable(writable, path, st):
    """Adds the folder when an account other than root (or this one) can change it: its owner, its group when
    group-writable by a group other than root's, anyone when world-writable without the sticky bit."""
    if writable is None:
        return
    group = st.st_mode & 0o020 and st.st_gid != 0
    world = st.st_mode & 0o002 and not st.st_mode & stat.S_ISVTX
    if trusted_owner(st.st_uid) and not group and not world:
        return
    entry = {"path": text(path), "owner": user_name(st.st_uid), "mode": stat.S_IMODE(st.st_mode), "world": bool(world)}
    if group:
        entry["group"] = group_name(st.st_gid)
    writable.append(entry)


def group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def open_folder(path, create=False, mode=0o700, writable=None):
    """The folder as an O_RDONLY descriptor, or None when a part is missing and create is false. Links on the way are
    followed only where root (or this account) alone could have made them."""
    if not path.startswith(b"/"):
        raise Refused("notabsolute")
    pending = components(path)
    current = os.open(b"/", os.O_PATH | os.O_DIRECTORY)
    reached = b"/"
    links = 0
    try:
        note_writable(writable, reached, os.fstat(current))
        while pending:
            name = pending.pop(0)
            try:
                following = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
            except FileNotFoundError:
                if not create:
                    return None
                try:
                    os.mkdir(name, mode, dir_fd=current)
                except FileExistsError:
                    pass
                following = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
            except OSError as e:
                if e.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                at = join(reached, name)
                link = os.lstat(name, dir_fd=current)
                if not stat.S_ISLNK(link.st_mode):
                    raise Refused("notfolder", at=text(at))
                holder = os.fstat(current)
                if not trusted_owner(holder.st_uid) or holder.st_mode & 0o022 or not trusted_owner(link.st_uid):
                    raise Refused("untrustedlink", at=text(at), holder=user_name(holder.st_uid), owner=user_name(link.st_uid))
                links += 1
                if links > MAX_LINKS:
                    raise Refused("toomanylinks")
                target = os.readlink(name, dir_fd=current)
                pending[0:0] = components(target)
                if target.startswith(b"/"):
                    os.close(current)
                    current = os.open(b"/", os.O_PATH | os.O_DIRECTORY)
                    reached = b"/"
                continue
            os.close(current)
            current = following
            reached = (os.path.dirname(reached) or b"/") if name == b".." else join(reached, name)
            note_writable(writable, reached, os.fstat(current))
        return os.open(b".", os.O_RDONLY | os.O_DIRECTORY, dir_fd=current)
    finally:
        os.close(current)


def split(path):
    slash = path.rfind(b"/")
    if slash < 0 or slash == len(path) - 1:
        raise Refused("notabsolute")
    return (path[:slash] or b"/"), path[slash + 1:]


@contextlib.contextmanager
def held_parent(path):
    """The folder holding path, held by descriptor for the block, and the file's plain name in it; refused when the
    folder is missing."""
    folder_path, name = split(path)
    folder = open_folder(folder_path)
    if folder is None:
        raise Refused("nofolder")
    try:
        yield folder, name
    finally:
        os.close(folder)


def status_of_name(folder, name):
    try:
        return os.lstat(name, dir_fd=folder)
    except FileNotFoundError:
        return None


def require_regular(st):
    if not stat.S_ISREG(st.st_mode):
        raise Refused("kind", kind=kind_of(st.st_mode))


def refuse_unopenable(folder, name, error):
    """open(2) failed on something that is there: say what it is when it is not a regular file (a socket gives ENXIO)."""
    if error.errno == errno.ELOOP:
        raise Refused("kind", kind="link")
    st = status_of_name(folder, name)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise Refused("kind", kind=kind_of(st.st_mode))
    raise error


def open_regular(folder, name, missing_ok=True):
    """The regular file at name in the held folder, opened without following a link and without blocking (a FIFO
    answers at once), with what its descriptor says of it: (fd, stat), the caller closes fd. (None, None) when it is
    missing and missing_ok; anything else that is not a regular file is refused."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=folder)
    except FileNotFoundError as e:
        if missing_ok:
            return None, None
        refuse_unopenable(folder, name, e)
    except OSError as e:
        refuse_unopenable(folder, name, e)
    try:
        st = os.fstat(fd)
        require_regular(st)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def require_one_name(st):
    """Another name for the file may be one root alone should reach: pemstate acts on it only through its one name."""
    if st.st_nlink != 1:
        raise Refused("hardlinks", links=st.st_nlink)


def look_up_user(owner):
    try:
        entry = pwd.getpwnam(owner)
    except KeyError:
        if not owner.isdigit():
            raise Refused("nouser", user=owner)
        try:
            entry = pwd.getpwuid(int(owner))
        except KeyError:
            raise Refused("nouser", user=owner)
    return entry.pw_uid, entry.pw_gid


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_limit(request):
    """The bound the request names, clamped to STATE_FILE_BYTES; MAX_FILE_BYTES when it names none."""
    limit = request.get("limit")
    if not isinstance(limit, int) or isinstance(limit, bool):
        return MAX_FILE_BYTES
    return max(0, min(limit, STATE_FILE_BYTES))


def read_bounded(fd, limit):
    chunks = []
    total = 0
    while True:
        chunk = os.read(fd, 1024 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise Refused("grew", limit=limit)
        chunks.append(chunk)


MAX_LEFTOVERS = 64  # LeftoverEntry.MaxEntries


def is_candidate(name):
    """Mirrors LeftoverEntry.IsCandidate."""
    return name.startswith(b".pemstate-") or name.endswith(b".pemstate-tmp") or name.endswith(b".next")


def leftover(name, st):
    return {"name": text(name), "kind": kind_of(st.st_mode), "mode": stat.S_IMODE(st.st_mode), "owner": user_name(st.st_uid),
            "ours": st.st_uid == EUID, "links": st.st_nlink}


def private_entries(folder):
    """What a folder of ours holds, on its descriptor, each as lstat says."""
    entries = []
    # The first names in the folder's own order, then sorted: as LocalHost reads them (getdents64, bounded, then ordered).
    for entry in sorted([os.fsencode(n) for n in os.listdir(folder)][:MAX_LEFTOVERS + 1]):
        st = status_of_name(folder, entry)
        if st is not None:
            entries.append(leftover(entry, st))
    return entries


def removed_while_held(folder, name, held):
    """Mirrors LocalHost.RemovedWhileHeld: no links left (rmdir clears them), and the name gone or another file's now."""
    st = os.fstat(held)
    if st.st_nlink != 0:
        return False
    now = status_of_name(folder, name)
    return now is None or (now.st_ino, now.st_dev) != (st.st_ino, st.st_dev)


def folder_leftovers(folder):
    """The entries of a held folder named like what an interrupted write leaves (LeftoverEntry), as lstat says, and what a
    folder of ours among them holds; every read reports them."""
    found = []
    try:
        names = os.listdir(folder)
    except PermissionError:
        return found  # a login other than root, in a folder it may enter but not list: nothing of pemstate's as root is there for it
    # The first look-alikes in the folder's own order, then sorted: as LocalHost reads them, so both hosts report the same.
    for name in sorted([n for n in (os.fsencode(e) for e in names) if is_candidate(n)][:MAX_LEFTOVERS]):
        st = status_of_name(folder, name)
        if st is None:
            continue  # gone since the listing
        entry = leftover(name, st)
        if stat.S_ISDIR(st.st_mode) and st.st_uid == EUID:
            try:
                private = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            except OSError as e:
                if e.errno == errno.ENOENT:
                    continue  # gone since the listing
                if e.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                private = None
            if private is not None:
                try:
                    held = os.fstat(private)
                    if stat.S_ISDIR(held.st_mode) and held.st_uid == EUID:
                        # Another lane of this apply may be writing here: its own folder comes and goes at any instant.
                        # glibc's readdir ends a folder removed while open; no links left says it was.
                        entries = private_entries(private)
                        if removed_while_held(folder, name, private):
                            continue  # gone while held
                        entry["entries"] = entries
                finally:
                    os.close(private)
        found.append(entry)
    return found


# ---- operations: each returns (answer header, data or None) ----

def op_read(request, data):
    folder_path, name = split(request["path"])
    writable = []
    folder = open_folder(folder_path, writable=writable)
    if folder is None:
        return {"status": "missing", "writable": writable}, None
    try:
        leftovers = folder_leftovers(folder)
        fd, st = open_regular(folder, name)
        if fd is None:
            return {"status": "missing", "writable": writable, "leftovers": leftovers}, None
        try:
            limit = read_limit(request)
            if st.st_size > limit:
                raise Refused("size", bytes=st.st_size, limit=limit)  # not "size": that key frames the content that follows a header
            content = read_bounded(fd, limit)
        finally:
            os.close(fd)
        header = {"status": "ok", "mode": stat.S_IMODE(st.st_mode), "owner": user_name(st.st_uid), "writable": writable,
                  "leftovers": leftovers}
        if request.get("unseal"):
            # The common-user pair's one key, read to be sent to another agent: only the very key pemstate observed.
            require_one_name(st)
            if hashlib.sha256(content).hexdigest() != request.get("sha256"):
                raise Refused("changed", found="other")
        elif holds_private_key(content):
            # A private key never leaves its host: what pemstate compares is its hash and its public half.
            header["sealed"] = sealed(content)
            return header, None
        return header, content
    finally:
        os.close(folder)


# ---- private keys stay on their host ----

OPENSSL = next((p for p in ("/usr/bin/openssl", "/bin/openssl") if os.path.isfile(p)), None)  # the distribution's, never PATH's
OPENSSL_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}  # no OPENSSL_CONF, LD_PRELOAD or the like from the login
OPENSSL_SECONDS = 120
MAX_KEY_BYTES = 64 * 1024  # a key handed to openssl through a pipe must fit its buffer; real keys are a few KB  # an RSA 4096 key on a slow host; a hung openssl fails its request, not the whole batch


PRIVATE_KEY_BLOCK = re.compile(rb"(?:^|\n)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


def holds_private_key(content):
    """A PEM private key block of any kind (PKCS#8, encrypted, RSA, EC) starting a line: a comment that names one does
    not make a config file a key."""
    return PRIVATE_KEY_BLOCK.search(content) is not None


def openssl(arguments, data, key=None):
    """Runs openssl with data on stdin; a key, when given, reaches it through a pipe (/dev/fd/N), never a path, so that
    what is signed with is the key this program read, not whatever a name points to by then. Returns stdout, or None."""
    if OPENSSL is None:
        raise Refused("noopenssl")
    read_end = None
    if key is not None:
        if len(key) > MAX_KEY_BYTES:
            raise Refused("size", bytes=len(key), limit=MAX_KEY_BYTES)
        read_end, write_end = os.pipe()
        try:
            write_all(write_end, key)  # a key is a few KB: the pipe's buffer holds it whole
        finally:
            os.close(write_end)
        arguments = [a.replace("KEYFD", "/dev/fd/%d" % read_end) for a in arguments]
    try:
        done = subprocess.run([OPENSSL] + arguments, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=OPENSSL_ENVIRONMENT,
                              pass_fds=(read_end,) if read_end is not None else (), timeout=OPENSSL_SECONDS)
    except FileNotFoundError:
        raise Refused("noopenssl")
    except subprocess.TimeoutExpired:
        return None
    finally:
        if read_end is not None:
            os.close(read_end)
    return done.stdout if done.returncode == 0 else None


def public_half(key):
    """The SubjectPublicKeyInfo (DER) of a PEM private key; None when openssl cannot read it (encrypted, damaged)."""
    return openssl(["pkey", "-pubout", "-outform", "DER", "-passin", "pass:"], key)


def sealed(content):
    spki = public_half(content)
    return {"sha256": hashlib.sha256(content).hexdigest(), "spki": base64.b64encode(spki).decode("ascii") if spki else None}


def read_regular(path, limit=MAX_FILE_BYTES):
    """The content of the regular file at path (no link followed anywhere on the way), or None when it is missing."""
    with held_parent(path) as (folder, name):
        fd, st = open_regular(folder, name)
        if fd is None:
            return None
        try:
            require_one_name(st)
            return read_bounded(fd, limit)
        finally:
            os.close(fd)


def read_expected(path, sha256):
    """The file's content, refused unless it is still the one pemstate saw (its SHA-256)."""
    content = read_regular(path)
    if content is None:
        raise Refused("changed", found="missing")
    if hashlib.sha256(content).hexdigest() != sha256:
        raise Refused("changed", found="other")
    return content


GENERATORS = {
    "rsa": lambda r: ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % int(r["bits"])],
    "ec": lambda r: ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:%s" % r["curve"], "-pkeyopt", "ec_param_enc:named_curve"],
}


def op_genkey(request, data):
    """A new private key made here by openssl, written like any key (op_write), its public half returned."""
    if request.get("curve") is not None and request["curve"] not in ("P-256", "P-384", "P-521"):
        raise Refused("algorithm")
    if request.get("folder") is not None:  # its folder made first when missing, as op_mkdir makes one
        os.close(open_folder(split(request["path"])[0], create=True, mode=request["folder"]))
    key = openssl(GENERATORS[request["algorithm"]](request), b"")
    if not key or not holds_private_key(key):
        raise Refused("keygen")
    op_write(request, key)
    return {"status": "ok", "sealed": sealed(key)}, None


def op_copy(request, data):
    """Copies a file within this host (a key to its backup, a backup back, a staged key to its live name): read as it was
    seen (source and sha256 in the request), written like any file. Its bytes never leave the host."""
    content = read_expected(request["source"].encode("utf-8"), request["sha256"])
    return op_write(request, content)


DIGESTS = ("sha256", "sha384", "sha512")


def op_sign(request, data):
    """Signs data (a certificate's or CRL's to-be-signed bytes) with the key at path, which must still be the key pemstate
    saw (sha256): PKCS#1 v1.5 for RSA, a DER ECDSA-Sig-Value for EC, what X.509 wants."""
    if request["digest"] not in DIGESTS:
        raise Refused("algorithm")
    key = read_expected(request["path"], request["sha256"])
    signature = openssl(["dgst", "-" + request["digest"], "-sign", "KEYFD", "-passin", "pass:"], data, key)
    if not signature:
        raise Refused("sign")
    return {"status": "ok"}, signature


@contextlib.contextmanager
def own_folder(folder):
    """A private folder of our own (0700) made in the held folder and held by its descriptor, for the block: nobody else
    can look a name up in it, so a file made or moved into it is the very file acted on next. The folder's owner may
    rename it away, but cannot reach into it. Removed afterwards when empty."""
    name = b".pemstate-" + os.urandom(16).hex().encode("ascii")
    os.mkdir(name, 0o700, dir_fd=folder)
    private = None
    try:
        try:
            private = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                raise Refused("replaced")  # renamed away, or swapped for something else, before it was opened
            raise
        held = os.fstat(private)
        if not stat.S_ISDIR(held.st_mode) or held.st_uid != os.geteuid():
            raise Refused("replaced")  # another account cannot make a folder that is ours
        os.fchmod(private, 0o700)
        yield private, name
    finally:
        if private is not None:
            os.close(private)
        try:
            os.rmdir(name, dir_fd=folder)  # empty now; at worst another account's empty folder goes instead
        except OSError:
            pass


def unlink_quietly(name, folder):
    try:
        os.unlink(name, dir_fd=folder)
    except OSError:
        pass


def expect_here(folder, name, expected):
    """Refuses unless the file at name in the held folder is the one pemstate edited: its SHA-256, or "" for none."""
    fd, _ = open_regular(folder, name)
    if fd is None:
        if expected != "":
            raise Refused("changed", found="missing")
        return
    try:
        if expected == "" or hashlib.sha256(read_bounded(fd, MAX_FILE_BYTES)).hexdigest() != expected:
            raise Refused("changed", found="other")
    finally:
        os.close(fd)


def op_write(request, data):
    mode = request["mode"]
    user = look_up_user(request["owner"]) if request.get("owner") is not None else None
    with held_parent(request["path"]) as (folder, name):
        existing = status_of_name(folder, name)
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise Refused("kind", kind=kind_of(existing.st_mode))
        if request["op"] == "write" and request.get("sha256") is not None:
            expect_here(folder, name, request["sha256"])  # a config edited from what pemstate knew: over that text only
        # The file given owner and mode on its descriptor in our own folder is the very one renamed over the name.
        with own_folder(folder) as (private, _):
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=private)
            created = True
            try:
                try:
                    write_all(fd, data)
                    if user is not None:
                        os.fchown(fd, user[0], user[1])
                    os.fchmod(fd, mode)  # after chown, which may clear bits
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.rename(name, name, src_dir_fd=private, dst_dir_fd=folder)
                created = False
                os.fsync(folder)
            finally:
                if created:
                    unlink_quietly(name, private)
        return {"status": "ok"}, None


def change(request, apply):
    with held_parent(request["path"]) as (folder, name):
        fd, st = open_regular(folder, name, missing_ok=False)
        try:
            require_one_name(st)
            apply(fd)
        finally:
            os.close(fd)
        return {"status": "ok"}, None


def op_chmod(request, data):
    return change(request, lambda fd: os.fchmod(fd, request["mode"]))


def op_chown(request, data):
    uid, gid = look_up_user(request["owner"])
    return change(request, lambda fd: os.fchown(fd, uid, gid))


def op_mkdir(request, data):
    folder = open_folder(request["path"], create=True, mode=request["mode"])
    os.close(folder)
    return {"status": "ok"}, None


def op_create(request, data):
    """Written and fsync'd in our own folder, then linked to the name, which fails when the name exists: the file
    appears whole or not at all (os.rename would replace a lock another run took meanwhile)."""
    mode = request["mode"]
    with held_parent(request["path"]) as (folder, name):
        with own_folder(folder) as (private, _):
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=private)
                try:
                    write_all(fd, data)
                    os.fchmod(fd, mode)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                try:
                    os.link(name, name, src_dir_fd=private, dst_dir_fd=folder, follow_symlinks=False)
                except FileExistsError:
                    return {"status": "exists"}, None
                os.fsync(folder)
            finally:
                unlink_quietly(name, private)  # the name in the held folder is the file's other link
        return {"status": "ok"}, None


def holds(folder, name, expected):
    """Whether name in folder is a regular file of exactly the expected bytes."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=folder)
    except OSError:
        return False  # a link, a socket: not what was read
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(expected):
            return False
        content = b""
        while len(content) <= len(expected):
            chunk = os.read(fd, len(expected) + 1 - len(content))
            if not chunk:
                break
            content += chunk
        return content == expected
    finally:
        os.close(fd)


def op_deleteif(request, data):
    """Removes the file only while it holds exactly data: the name is taken away first, moving whatever is there into our
    own folder in one rename, and what was taken is removed when it is the same, linked back under its name otherwise."""
    folder_path, name = split(request["path"])
    folder = open_folder(folder_path)
    if folder is None:
        return {"status": "missing"}, None
    try:
        st = status_of_name(folder, name)
        if st is None:
            return {"status": "missing"}, None
        if not stat.S_ISREG(st.st_mode):
            return {"status": "exists"}, None
        with own_folder(folder) as (private, private_name):
            try:
                os.rename(name, name, src_dir_fd=folder, dst_dir_fd=private)
            except FileNotFoundError:
                return {"status": "missing"}, None
            same = holds(private, name, data)
            if not same:
                try:
                    os.link(name, name, src_dir_fd=private, dst_dir_fd=folder, follow_symlinks=False)
                except FileExistsError:
                    # Left in our folder (not empty, so it stays): removing it would delete what someone may hold.
                    raise Refused("retaken", kept=text(join(folder_path, private_name)))
            os.unlink(name, dir_fd=private)
            os.fsync(folder)
        return {"status": "ok" if same else "exists"}, None
    finally:
        os.close(folder)


def op_append(request, data):
    with held_parent(request["path"]) as (folder, name):
        try:
            fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY,
                         request["mode"], dir_fd=folder)
        except OSError as e:
            refuse_unopenable(folder, name, e)
        try:
            require_regular(os.fstat(fd))
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return {"status": "ok"}, None


def op_delete(request, data):
    folder_path, name = split(request["path"])
    folder = open_folder(folder_path)
    if folder is None:
        return {"status": "ok"}, None
    try:
        st = status_of_name(folder, name)
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise Refused("isfolder")
        try:
            os.unlink(name, dir_fd=folder)  # a link is removed, never its target
        except FileNotFoundError:
            pass
        return {"status": "ok"}, None
    finally:
        os.close(folder)


def remove_tree(parent, name):
    st = status_of_name(parent, name)
    if st is None:
        return
    if not stat.S_ISDIR(st.st_mode):
        try:
            os.unlink(name, dir_fd=parent)
        except FileNotFoundError:
            pass
        return
    folder = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
    try:
        for entry in os.listdir(folder):
            remove_tree(folder, os.fsencode(entry))
    finally:
        os.close(folder)
    os.rmdir(name, dir_fd=parent)


def op_rmtree(request, data):
    folder_path, name = split(request["path"])
    parent = open_folder(folder_path)
    if parent is None:
        return {"status": "ok"}, None
    try:
        remove_tree(parent, name)
        return {"status": "ok"}, None
    finally:
        os.close(parent)


def op_list(request, data):
    folder = open_folder(request["path"])
    if folder is None:
        return {"status": "ok", "names": []}, None
    try:
        return {"status": "ok", "names": sorted(text(os.fsencode(n)) for n in os.listdir(folder))}, None
    finally:
        os.close(folder)


def leftover_problem(request, entry):
    """Mirrors LeftoverProof.Problem: False when entry is what the proof asks, else True (C# words why from the facts)."""
    def file_problem(f):
        return f["kind"] != "regular" or f["links"] != 1 or f["owner"] not in request["owners"]
    if request["kind"] == "regular":
        return file_problem(entry)
    if entry["kind"] != "folder" or not entry["ours"] or entry["mode"] != 0o700 or entry.get("entries") is None:
        return True
    files = entry["entries"]
    return len(files) > MAX_LEFTOVERS or any(f["name"] not in request["names"] or file_problem(f) for f in files)


def op_rmleftover(request, data):
    """Removes a leftover only while it is what the request's proof says, checked on descriptors held from its folder down
    (a private folder of ours, 0700: nobody but root can put a name in it between the check and the unlinks)."""
    with held_parent(request["path"]) as (folder, name):
        st = status_of_name(folder, name)
        if st is None:
            return {"status": "ok"}, None
        entry = leftover(name, st)
        if request["kind"] != "folder" or not stat.S_ISDIR(st.st_mode):
            if leftover_problem(request, entry):
                raise Refused("notleftover", entry=entry)
            os.unlink(name, dir_fd=folder)  # the name only, in the held folder; never a link's target
            return {"status": "ok"}, None
        try:
            private = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
        except FileNotFoundError:
            return {"status": "ok"}, None
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                raise Refused("notleftover", entry=entry)
            raise
        try:
            entry = leftover(name, os.fstat(private))
            names = [os.fsencode(n) for n in os.listdir(private)]
            if removed_while_held(folder, name, private):
                return {"status": "ok"}, None  # gone already, and its name is not ours to act on
            entry["entries"] = [leftover(n, os.lstat(n, dir_fd=private)) for n in names]
            if leftover_problem(request, entry):
                raise Refused("notleftover", entry=entry)
            for n in names:
                try:
                    os.unlink(n, dir_fd=private)
                except FileNotFoundError:
                    pass  # gone already, as UnlinkAt takes it
        finally:
            os.close(private)
        try:
            os.rmdir(name, dir_fd=folder)  # by name: at worst another account's empty folder, put in its place meanwhile, goes
        except FileNotFoundError:
            pass
        except OSError as e:
            if e.errno != errno.ENOTEMPTY:
                raise
            raise Refused("leftovertaken")
        return {"status": "ok"}, None


OPERATIONS = {
    "read": op_read, "write": op_write, "chmod": op_chmod, "chown": op_chown, "mkdir": op_mkdir,
    "create": op_create, "append": op_append, "delete": op_delete, "deleteif": op_deleteif, "rmtree": op_rmtree,
    "list": op_list, "rmleftover": op_rmleftover, "genkey": op_genkey, "copy": op_copy, "sign": op_sign,
}


def read_exactly(stream, count):
    parts = []
    while count > 0:
        part = stream.read(count)
        if not part:
            raise EOFError("the request ended early")
        parts.append(part)
        count -= len(part)
    return b"".join(parts)


def answer(stream, header, data):
    if data is not None:
        header["size"] = len(data)
    encoded = json.dumps(header).encode("ascii")
    stream.write(struct.pack(">I", len(encoded)))
    stream.write(encoded)
    if data is not None:
        stream.write(data)


def main():
    os.umask(0)  # a new file or folder gets exactly the mode asked for, never more
    source = sys.stdin.buffer
    sink = sys.stdout.buffer
    failed = False  # a request of this run did not succeed: the "after" requests that follow it are not run
    while True:
        length = struct.unpack(">I", read_exactly(source, 4))[0]
        if length == 0:
            break
        request = json.loads(read_exactly(source, length).decode("utf-8"))
        data = read_exactly(source, request["size"]) if "size" in request else None
        request["path"] = request["path"].encode("utf-8")
        if failed and request.get("after"):
            answer(sink, {"status": "skipped"}, None)
            continue
        try:
            header, content = OPERATIONS[request["op"]](request, data)
        except Refused as e:
            header, content = e.answer, None
        except OSError as e:
            header, content = {"status": "error", "errno": e.errno or 0, "message": e.strerror or str(e)}, None
        except Exception as e:  # a malformed request: its own error answer, so every later answer stays in its place
            header, content = {"status": "error", "errno": 0, "message": "%s in %s" % (type(e).__name__, request.get("op"))}, None
        failed = failed or header.get("status") not in ("ok", "missing", "exists")
        answer(sink, header, content)
    sink.flush()
    # Exit only once the client has said its input ended: its end-of-input must reach sshd while the channel is still
    # open, or sshd drops the whole connection ("ieof packet referred to nonexistent channel").
    while source.read(65536):
        pass


main()
