#include "tests/testing/sync_counting_vfs.h"

#include <sqlcipher/sqlite3.h>

#include <cstdlib>
#include <string_view>

namespace akari::testing {
namespace {

// The wrapper a file opened through the VFS gets: our methods first, the
// inner VFS's file after them (szOsFile covers both).
struct File {
  sqlite3_file base;  // first: SQLite sees a File* as a sqlite3_file*
  SyncCountingVfs* owner;
  bool wal;
  sqlite3_file* Inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

File* Of(sqlite3_file* f) {
  return reinterpret_cast<File*>(f);
}

int Close(sqlite3_file* f) {
  File* file = Of(f);
  const int rc = file->Inner()->pMethods != nullptr ? file->Inner()->pMethods->xClose(file->Inner()) : SQLITE_OK;
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Of(f)->Inner()->pMethods->xRead(Of(f)->Inner(), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return Of(f)->Inner()->pMethods->xWrite(Of(f)->Inner(), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Of(f)->Inner()->pMethods->xTruncate(Of(f)->Inner(), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (Of(f)->wal) Of(f)->owner->CountWalSync();
  return Of(f)->Inner()->pMethods->xSync(Of(f)->Inner(), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Of(f)->Inner()->pMethods->xFileSize(Of(f)->Inner(), size);
}
int Lock(sqlite3_file* f, int level) {
  return Of(f)->Inner()->pMethods->xLock(Of(f)->Inner(), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Of(f)->Inner()->pMethods->xUnlock(Of(f)->Inner(), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Of(f)->Inner()->pMethods->xCheckReservedLock(Of(f)->Inner(), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Of(f)->Inner()->pMethods->xFileControl(Of(f)->Inner(), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return Of(f)->Inner()->pMethods->xSectorSize(Of(f)->Inner());
}
int DeviceCharacteristics(sqlite3_file* f) {
  return Of(f)->Inner()->pMethods->xDeviceCharacteristics(Of(f)->Inner());
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Of(f)->Inner()->pMethods->xShmMap(Of(f)->Inner(), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Of(f)->Inner()->pMethods->xShmLock(Of(f)->Inner(), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  Of(f)->Inner()->pMethods->xShmBarrier(Of(f)->Inner());
}
int ShmUnmap(sqlite3_file* f, int remove) {
  return Of(f)->Inner()->pMethods->xShmUnmap(Of(f)->Inner(), remove);
}

// Version 2: the shared-memory methods WAL mode needs; no memory mapping
// (SQLCipher does not use it).
const sqlite3_io_methods kMethods = {2,
                                     Close,
                                     Read,
                                     Write,
                                     Truncate,
                                     Sync,
                                     FileSize,
                                     Lock,
                                     Unlock,
                                     CheckReservedLock,
                                     FileControl,
                                     SectorSize,
                                     DeviceCharacteristics,
                                     ShmMap,
                                     ShmLock,
                                     ShmBarrier,
                                     ShmUnmap,
                                     nullptr,
                                     nullptr};

SyncCountingVfs* OwnerOf(sqlite3_vfs* vfs) {
  return static_cast<SyncCountingVfs*>(vfs->pAppData);
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  SyncCountingVfs* owner = OwnerOf(vfs);
  File* file = Of(f);
  file->owner = owner;
  file->wal = name != nullptr && std::string_view(name).ends_with("-wal");
  file->base.pMethods = nullptr;
  const int rc = owner->inner()->xOpen(owner->inner(), name, file->Inner(), flags, out_flags);
  // Only a file the inner VFS opened gets methods, so that SQLite closes
  // only what was opened.
  if (rc == SQLITE_OK) file->base.pMethods = &kMethods;
  return rc;
}
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return OwnerOf(vfs)->inner()->xDelete(OwnerOf(vfs)->inner(), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return OwnerOf(vfs)->inner()->xAccess(OwnerOf(vfs)->inner(), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return OwnerOf(vfs)->inner()->xFullPathname(OwnerOf(vfs)->inner(), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  return OwnerOf(vfs)->inner()->xDlOpen(OwnerOf(vfs)->inner(), name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) {
  OwnerOf(vfs)->inner()->xDlError(OwnerOf(vfs)->inner(), n, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return OwnerOf(vfs)->inner()->xDlSym(OwnerOf(vfs)->inner(), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) {
  OwnerOf(vfs)->inner()->xDlClose(OwnerOf(vfs)->inner(), handle);
}
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return OwnerOf(vfs)->inner()->xRandomness(OwnerOf(vfs)->inner(), n, out);
}
int Sleep(sqlite3_vfs* vfs, int us) {
  return OwnerOf(vfs)->inner()->xSleep(OwnerOf(vfs)->inner(), us);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return OwnerOf(vfs)->inner()->xCurrentTime(OwnerOf(vfs)->inner(), out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return OwnerOf(vfs)->inner()->xGetLastError(OwnerOf(vfs)->inner(), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return OwnerOf(vfs)->inner()->xCurrentTimeInt64(OwnerOf(vfs)->inner(), out);
}

}  // namespace

SyncCountingVfs::SyncCountingVfs() : inner_(sqlite3_vfs_find(nullptr)), vfs_(new sqlite3_vfs{}) {
  if (inner_ == nullptr) std::abort();  // SQLite without a default VFS: nothing to test
  vfs_->iVersion = 2;
  vfs_->szOsFile = static_cast<int>(sizeof(File)) + inner_->szOsFile;
  vfs_->mxPathname = inner_->mxPathname;
  vfs_->zName = "akari-sync-counting";
  vfs_->pAppData = this;
  vfs_->xOpen = Open;
  vfs_->xDelete = Delete;
  vfs_->xAccess = Access;
  vfs_->xFullPathname = FullPathname;
  vfs_->xDlOpen = DlOpen;
  vfs_->xDlError = DlError;
  vfs_->xDlSym = DlSym;
  vfs_->xDlClose = DlClose;
  vfs_->xRandomness = Randomness;
  vfs_->xSleep = Sleep;
  vfs_->xCurrentTime = CurrentTime;
  vfs_->xGetLastError = GetLastError;
  vfs_->xCurrentTimeInt64 = CurrentTimeInt64;
  sqlite3_vfs_register(vfs_, /*makeDflt=*/1);
}

SyncCountingVfs::~SyncCountingVfs() {
  sqlite3_vfs_unregister(vfs_);
  sqlite3_vfs_register(inner_, /*makeDflt=*/1);
  delete vfs_;
}

}  // namespace akari::testing
