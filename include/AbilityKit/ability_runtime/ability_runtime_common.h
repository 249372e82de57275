/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libchild_process for Linux — the AbilityRuntime error codes.
 *
 * Same names and values as <AbilityKit/ability_runtime/ability_runtime_common.h>
 * of the HarmonyOS/OpenHarmony SDK (26.1.0), so that code written for it
 * compiles unchanged.  Only the child-process-info functions
 * (<AbilityKit/ability_runtime/child_process_info.h>) return them here.
 *
 * Library: libability_runtime.so (pkg-config ability_runtime).
 */
#ifndef ABILITY_RUNTIME_COMMON_H
#define ABILITY_RUNTIME_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Error codes of the AbilityRuntime module.
 * @since 13
 */
typedef enum {
    /** Operation successful. */
    ABILITY_RUNTIME_ERROR_CODE_NO_ERROR = 0,
    /** Permission verification failed. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_PERMISSION_DENIED = 201,
    /** Invalid parameter. */
    ABILITY_RUNTIME_ERROR_CODE_PARAM_INVALID = 401,
    /** Not supported on this device. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_NOT_SUPPORTED = 801,
    /** No such ability. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_NO_SUCH_ABILITY = 16000001,
    /** Incorrect ability type. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_INCORRECT_ABILITY_TYPE = 16000002,
    /** The component to start is not visible. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_VISIBILITY_VERIFICATION_FAILED = 16000004,
    /** The process lacks the permission. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_STATIC_CFG_PERMISSION = 16000005,
    /** Cross-user operation is not allowed. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_CROSS_USER_OPERATION = 16000006,
    /** The crowdtesting application expired. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_CROWDTEST_EXPIRED = 16000008,
    /** Not allowed in Wukong mode. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_WUKONG_MODE = 16000009,
    /** The context does not exist. */
    ABILITY_RUNTIME_ERROR_CODE_CONTEXT_NOT_EXIST = 16000011,
    /** The app is controlled. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_CONTROLLED = 16000012,
    /** The app is controlled by EDM. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_EDM_CONTROLLED = 16000013,
    /** Cross-app start is not allowed. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_CROSS_APP = 16000018,
    /** Internal error. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_INTERNAL = 16000050,
    /** Not the top ability. @since 15 */
    ABILITY_RUNTIME_ERROR_CODE_NOT_TOP_ABILITY = 16000053,
    /** Setting visibility is disabled. @since 17 */
    ABILITY_RUNTIME_ERROR_VISIBILITY_SETTING_DISABLED = 16000067,
    /** App clone or multi-instance is not supported. @since 17 */
    ABILITY_RUNTIME_ERROR_CODE_MULTI_APP_NOT_SUPPORTED = 16000072,
    /** The app instance key is invalid. @since 17 */
    ABILITY_RUNTIME_ERROR_CODE_INVALID_APP_INSTANCE_KEY = 16000076,
    /** The number of app instances reached the limit. @since 17 */
    ABILITY_RUNTIME_ERROR_CODE_UPPER_LIMIT_REACHED = 16000077,
    /** Multi-instance is not supported. @since 17 */
    ABILITY_RUNTIME_ERROR_MULTI_INSTANCE_NOT_SUPPORTED = 16000078,
    /** APP_INSTANCE_KEY cannot be specified. @since 17 */
    ABILITY_RUNTIME_ERROR_CODE_APP_INSTANCE_KEY_NOT_SUPPORTED = 16000079,
    /** Getting the application info failed. @since 21 */
    ABILITY_RUNTIME_ERROR_CODE_GET_APPLICATION_INFO_FAILED = 16000081,
    /** Starting timed out. @since 21 */
    ABILITY_RUNTIME_ERROR_CODE_START_TIMEOUT = 16000133,
    /** Not supported on the main thread. @since 21 */
    ABILITY_RUNTIME_ERROR_CODE_MAIN_THREAD_NOT_SUPPORTED = 16000134,
    /** No running ability with a UI. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_NO_RUNNING_ABILITIES_WITH_UI = 16000170,
    /** Rate limit reached. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_UPPER_RATE_LIMIT = 16000171,
    /** Connection number limit reached. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_UPPER_CONNECTION_NUMBER_LIMIT = 16000172,
    /** Property not found. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_PROPERTY_NOT_FOUND = 16000173,
    /** Type mismatch. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_TYPE_MISMATCH = 16000174,
    /** Sending a request failed. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_SEND_REQUEST_FAILED = 16000175,
    /** Cross-app call in process. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_CROSS_APP_IN_PROCESS = 16000176,
    /** The ability wrapper is invalid. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_ABILITY_WRAPPER_INVALID = 16000177,
    /** The metadata is invalid. @since 26.0.0 */
    ABILITY_RUNTIME_ERROR_CODE_METADATA_INVALID = 16000178,
    /**
     * The buffer is too small (OH_AbilityRuntime_ChildProcessInfo_GetProcessName).
     * The reference's headers name this code but publish no value for it;
     * this value is ours, outside every published one (libability_runtime(3)).
     * @since 26.1.0
     */
    ABILITY_RUNTIME_ERROR_CODE_BUFFER_TOO_SMALL = 16000999,
} AbilityRuntime_ErrorCode;

#ifdef __cplusplus
}
#endif

#endif /* ABILITY_RUNTIME_COMMON_H */
