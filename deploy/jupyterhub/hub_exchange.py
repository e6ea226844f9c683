"""nbgrader's collect for a class where every student is a unix account: a submission counts only for its owner.

nbgrader files a submission under the student id written in the folder's name (``<student>+<assignment>+
<timestamp>+<random>`` in the exchange's ``inbound/``), which the submitting student chooses (``--student``,
their own nbgrader configuration, or a folder made by hand). Stock ``check_owner`` only *warns* when that name
is not the unix owner, then collects it anyway, and ``shutil.copytree`` run by the instructor follows symbolic
links, so a student could file work under a classmate's name or "submit" a link to a file only the instructor
can read (the course's solutions). :class:`OwnerCheckedCollect` (selected in the course's nbgrader_config.py
by ``c.ExchangeFactory.collect = "hub_exchange.OwnerCheckedCollect"``):

- considers, per student id, only submissions that are real folders (not links) owned by the unix account of
  that name, so a forged one can neither be collected nor hide the student's own latest submission;
- copies with the owner's files only: every directory is opened without following links (``os.fwalk``), every
  file with ``O_NOFOLLOW`` and must be a regular file owned by the submitter; anything else (links, devices,
  pipes, other people's files, files over nbgrader's size limits) is left out and logged.

Refused submissions are logged as ``REFUSED <folder>: <reason>`` and listed in :attr:`refused`.
"""
import fnmatch
import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect


def _owner(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class OwnerCheckedCollect(ExchangeCollect):
    """``nbgrader collect`` that trusts the file system's owner, not the name a student wrote."""

    refused = None

    def _refuse(self, name, reason):
        self.refused.append((name, reason))
        self.log.warning("REFUSED %s: %s", name, reason)

    def _owned_by_claimant(self, filename):
        """``None`` when ``inbound/filename`` is a folder owned by the student id in its name, else why not."""
        claimed = filename.rsplit("+", 3)[0]
        st = os.lstat(os.path.join(self.inbound_path, filename))
        if not stat.S_ISDIR(st.st_mode):
            return "not a folder (a link or a file)"
        owner = _owner(st.st_uid)
        if owner != claimed:
            return f"claims to be from {claimed} but is owned by {owner}"
        return None

    def init_src(self):
        self.refused = []
        super().init_src()
        # super() kept the latest record per student id; redo the choice over the honest records only.
        pattern = "{}+{}+*".format(self.coursedir.student_id or "*", self.coursedir.assignment_id)
        honest = {}
        for filename in sorted(os.listdir(self.inbound_path)):
            if not fnmatch.fnmatchcase(filename, pattern):
                continue
            reason = self._owned_by_claimant(filename)
            if reason:
                self._refuse(filename, reason)
                continue
            record = self._path_to_record(filename)
            honest.setdefault(record["username"], []).append(record)
        self.src_records = []
        for records in honest.values():
            records = self._sort_by_timestamp(records)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in records if r["timestamp"] <= self.duedate]
                records = before or records
            self.src_records.append(records[0])

    def do_copy(self, src, dest, log=None):
        """Copy the submission ``src`` to ``dest``: its owner's regular files only, never through a link."""
        owner_uid = os.lstat(src).st_uid
        max_file = 1000 * self.coursedir.max_file_size
        max_total = 1000 * self.coursedir.max_dir_size
        ignore = list(self.coursedir.ignore)
        total = 0
        name = os.path.basename(src)
        os.makedirs(dest)
        for folder, dirs, files, dir_fd in os.fwalk(src, follow_symlinks=False):
            rel = os.path.relpath(folder, src)
            if os.fstat(dir_fd).st_uid != owner_uid:
                self._refuse(f"{name}/{rel}", "folder not owned by the submitter, left out")
                dirs[:] = []
                continue
            dirs[:] = [d for d in dirs if not any(fnmatch.fnmatch(d, p) for p in ignore)]
            target = os.path.normpath(os.path.join(dest, rel))
            os.makedirs(target, exist_ok=True)
            for file in files:
                if any(fnmatch.fnmatch(file, p) for p in ignore):
                    continue
                where = f"{name}/{os.path.normpath(os.path.join(rel, file))}"
                try:
                    fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
                except OSError as exc:          # a link (ELOOP), a file we may not open, ...
                    self._refuse(where, f"not copied ({exc.strerror})")
                    continue
                with os.fdopen(fd, "rb") as fh:
                    st = os.fstat(fh.fileno())
                    if not stat.S_ISREG(st.st_mode):
                        self._refuse(where, "not a regular file, left out")
                        continue
                    if st.st_uid != owner_uid:
                        self._refuse(where, f"owned by {_owner(st.st_uid)}, not the submitter: left out")
                        continue
                    if st.st_size > max_file:
                        self._refuse(where, f"{st.st_size} bytes, over the limit of {max_file}: left out")
                        continue
                    total += st.st_size
                    if total > max_total:
                        raise RuntimeError(f"submission {name} is over {max_total} bytes")
                    data = fh.read(max_file + 1)
                with open(os.path.join(target, file), "wb") as out:
                    out.write(data[:max_file])
