# SPDX-License-Identifier: Apache-2.0
# Man pages, written directly in man(7) macros (nothing is generated at build
# time).  tests/packaging/man-pages.sh checks that each one renders cleanly and
# that the pages keep up with the headers, ncp-run's options and the settings.
dist_man_MANS += \
	doc/ncp-run.1 \
	doc/libchild_process.3 \
	doc/ipc_capi.3 \
	doc/libability_runtime.3 \
	doc/child_process.conf.5 \
	doc/child_process-policy.5

# `man FUNCTION` for every function of the public headers: one-line ".so"
# pages pointing at the overview page, written at install time.
NCP_MAN3_LINKS = \
	NCP_ChildProcessConfigs_AddBind \
	NCP_ChildProcessConfigs_SetFdWritable \
	NCP_ChildProcessConfigs_SetTimeout \
	NCP_WaitChildProcess \
	OH_Ability_ChildProcessConfigs_SetIsolationMode \
	OH_Ability_ChildProcessConfigs_SetIsolationUid \
	OH_Ability_ChildProcessConfigs_SetProcessName \
	OH_Ability_CreateChildProcessConfigs \
	OH_Ability_CreateNativeChildProcess \
	OH_Ability_CreateNativeChildProcessWithConfigs \
	OH_Ability_DestroyChildProcessConfigs \
	OH_Ability_GetCurrentChildProcessArgs \
	OH_Ability_IsNativeChildProcessSupported \
	OH_Ability_KillChildProcess \
	OH_Ability_AcquireChildProcessInfos \
	OH_Ability_RegisterNativeChildProcessExitCallback \
	OH_Ability_StartNativeChildProcess \
	OH_Ability_StartNativeChildProcessWithConfigs \
	OH_Ability_UnregisterNativeChildProcessExitCallback
RUNTIME_MAN3_LINKS = \
	OH_AbilityRuntime_GetChildProcessInfoByIndex \
	OH_AbilityRuntime_ChildProcessInfo_GetPid \
	OH_AbilityRuntime_ChildProcessInfo_GetParentPid \
	OH_AbilityRuntime_ChildProcessInfo_GetProcessName \
	OH_AbilityRuntime_ReleaseChildProcessInfos
IPC_MAN3_LINKS = \
	OH_IPCDeathRecipient_Create OH_IPCDeathRecipient_Destroy \
	OH_IPCParcel_Append OH_IPCParcel_Create OH_IPCParcel_Destroy \
	OH_IPCParcel_GetDataSize OH_IPCParcel_GetReadPosition OH_IPCParcel_GetReadableBytes \
	OH_IPCParcel_GetWritableBytes OH_IPCParcel_GetWritePosition \
	OH_IPCParcel_ReadBuffer OH_IPCParcel_ReadDouble OH_IPCParcel_ReadFileDescriptor \
	OH_IPCParcel_ReadFloat OH_IPCParcel_ReadInt16 OH_IPCParcel_ReadInt32 \
	OH_IPCParcel_ReadInt64 OH_IPCParcel_ReadInt8 OH_IPCParcel_ReadInterfaceToken \
	OH_IPCParcel_ReadRemoteProxy OH_IPCParcel_ReadRemoteStub OH_IPCParcel_ReadString \
	OH_IPCParcel_ReadUint16 OH_IPCParcel_ReadUint32 OH_IPCParcel_ReadUint64 \
	OH_IPCParcel_ReadUint8 OH_IPCParcel_RewindReadPosition OH_IPCParcel_RewindWritePosition \
	OH_IPCParcel_WriteBuffer OH_IPCParcel_WriteDouble OH_IPCParcel_WriteFileDescriptor \
	OH_IPCParcel_WriteFloat OH_IPCParcel_WriteInt16 OH_IPCParcel_WriteInt32 \
	OH_IPCParcel_WriteInt64 OH_IPCParcel_WriteInt8 OH_IPCParcel_WriteInterfaceToken \
	OH_IPCParcel_WriteRemoteProxy OH_IPCParcel_WriteRemoteStub OH_IPCParcel_WriteString \
	OH_IPCParcel_WriteUint16 OH_IPCParcel_WriteUint32 OH_IPCParcel_WriteUint64 \
	OH_IPCParcel_WriteUint8 \
	OH_IPCRemoteProxy_AddDeathRecipient OH_IPCRemoteProxy_CreateFromSocket \
	OH_IPCRemoteProxy_Destroy OH_IPCRemoteProxy_GetInterfaceDescriptor \
	OH_IPCRemoteProxy_IsRemoteDead OH_IPCRemoteProxy_RemoveDeathRecipient \
	OH_IPCRemoteProxy_SendRequest \
	OH_IPCRemoteStub_Create OH_IPCRemoteStub_Destroy OH_IPCRemoteStub_ServeSocket \
	OH_IPCSkeleton_GetCallingPid OH_IPCSkeleton_GetCallingTokenId OH_IPCSkeleton_GetCallingUid \
	OH_IPCSkeleton_GetFirstTokenId OH_IPCSkeleton_GetSelfTokenId \
	OH_IPCSkeleton_IsHandlingTransaction OH_IPCSkeleton_IsLocalCalling \
	OH_IPCSkeleton_JoinWorkThread OH_IPCSkeleton_ResetCallingIdentity \
	OH_IPCSkeleton_SetCallingIdentity OH_IPCSkeleton_SetMaxWorkThreadNum \
	OH_IPCSkeleton_StopWorkThread

install-data-hook: install-man3-links
install-man3-links:
	@$(MKDIR_P) '$(DESTDIR)$(man3dir)'
	@for n in $(NCP_MAN3_LINKS); do \
	  echo '.so man3/libchild_process.3' > '$(DESTDIR)$(man3dir)'/$$n.3 || exit 1; \
	done
	@for n in $(IPC_MAN3_LINKS); do \
	  echo '.so man3/ipc_capi.3' > '$(DESTDIR)$(man3dir)'/$$n.3 || exit 1; \
	done
	@for n in $(RUNTIME_MAN3_LINKS); do \
	  echo '.so man3/libability_runtime.3' > '$(DESTDIR)$(man3dir)'/$$n.3 || exit 1; \
	done

uninstall-hook: uninstall-man3-links
uninstall-man3-links:
	@for n in $(NCP_MAN3_LINKS) $(IPC_MAN3_LINKS) $(RUNTIME_MAN3_LINKS); do \
	  rm -f '$(DESTDIR)$(man3dir)'/$$n.3; \
	done

.PHONY: install-man3-links uninstall-man3-links

# Documents installed under $(docdir) beside the licence, and the examples'
# sources under $(docdir)/examples (README.md and the headers point at them;
# tests/install/check-install.sh checks they are there; `make uninstall`
# removes the directories, contrib/local.mk).
dist_doc_DATA += doc/doctor.md doc/isolation.md doc/ipc-wire-format.md
# For the project's own readers: in the distribution, not installed.
EXTRA_DIST += doc/architecture.md
docexamplesdir = $(docdir)
nobase_dist_docexamples_DATA = \
	examples/demo/demo.c examples/demo/libdemo.c examples/demo/run-demo.sh \
	examples/pass-by-parameter/parent.c examples/pass-by-parameter/child.c \
	examples/exit-callback/parent.c examples/exit-callback/child.c \
	examples/ipc/parent.c examples/ipc/child.c \
	examples/thumbnailer/parent.c examples/thumbnailer/child.c
