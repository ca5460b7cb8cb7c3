/* kz fieldspec: where kustomize's transformers look in an object (its FieldSpecs), the built-in
 * tables of them, the `configurations` files that extend them, and the walk along a path. */
#include "kz.h"

#include <stdlib.h>
#include <string.h>

/*
 * kustomize 5.5's built-in transformer configuration (api/internal/konfig/builtinpluginconsts),
 * one field spec per line: TABLE KIND GROUP VERSION CREATE PATH, "-" for any; nameReference
 * lines name the referred kind first: nameReference KIND GROUP VERSION  REFERRER-KIND GROUP
 * VERSION CREATE PATH. "\/" in a path is a '/' inside one field name.
 */
static const char builtin_fieldspecs[] =
"namePrefix - - - 0 metadata/name\n"
"nameSuffix - - - 0 metadata/name\n"
"commonLabels Service - v1 1 spec/selector\n"
"commonLabels ReplicationController - v1 1 spec/selector\n"
"commonLabels Deployment - - 1 spec/selector/matchLabels\n"
"commonLabels Deployment apps - 0 spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels\n"
"commonLabels Deployment apps - 0 spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels\n"
"commonLabels Deployment apps - 0 spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels\n"
"commonLabels Deployment apps - 0 spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels\n"
"commonLabels Deployment apps - 0 spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels\n"
"commonLabels ReplicaSet - - 1 spec/selector/matchLabels\n"
"commonLabels DaemonSet - - 1 spec/selector/matchLabels\n"
"commonLabels StatefulSet apps - 1 spec/selector/matchLabels\n"
"commonLabels StatefulSet apps - 0 spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels\n"
"commonLabels StatefulSet apps - 0 spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels\n"
"commonLabels StatefulSet apps - 0 spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels\n"
"commonLabels StatefulSet apps - 0 spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels\n"
"commonLabels StatefulSet apps - 0 spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels\n"
"commonLabels Job batch - 0 spec/selector/matchLabels\n"
"commonLabels CronJob batch - 0 spec/jobTemplate/spec/selector/matchLabels\n"
"commonLabels PodDisruptionBudget policy - 0 spec/selector/matchLabels\n"
"commonLabels NetworkPolicy networking.k8s.io - 0 spec/podSelector/matchLabels\n"
"commonLabels NetworkPolicy networking.k8s.io - 0 spec/ingress/from/podSelector/matchLabels\n"
"commonLabels NetworkPolicy networking.k8s.io - 0 spec/egress/to/podSelector/matchLabels\n"
"commonLabels - - - 1 metadata/labels\n"
"commonLabels ReplicationController - v1 1 spec/template/metadata/labels\n"
"commonLabels Deployment - - 1 spec/template/metadata/labels\n"
"commonLabels ReplicaSet - - 1 spec/template/metadata/labels\n"
"commonLabels DaemonSet - - 1 spec/template/metadata/labels\n"
"commonLabels StatefulSet apps - 1 spec/template/metadata/labels\n"
"commonLabels StatefulSet apps - 1 spec/volumeClaimTemplates[]/metadata/labels\n"
"commonLabels Job batch - 1 spec/template/metadata/labels\n"
"commonLabels CronJob batch - 1 spec/jobTemplate/metadata/labels\n"
"commonLabels CronJob batch - 1 spec/jobTemplate/spec/template/metadata/labels\n"
"templateLabels - - - 1 metadata/labels\n"
"templateLabels ReplicationController - v1 1 spec/template/metadata/labels\n"
"templateLabels Deployment - - 1 spec/template/metadata/labels\n"
"templateLabels ReplicaSet - - 1 spec/template/metadata/labels\n"
"templateLabels DaemonSet - - 1 spec/template/metadata/labels\n"
"templateLabels StatefulSet apps - 1 spec/template/metadata/labels\n"
"templateLabels StatefulSet apps - 1 spec/volumeClaimTemplates[]/metadata/labels\n"
"templateLabels Job batch - 1 spec/template/metadata/labels\n"
"templateLabels CronJob batch - 1 spec/jobTemplate/metadata/labels\n"
"templateLabels CronJob batch - 1 spec/jobTemplate/spec/template/metadata/labels\n"
"commonAnnotations - - - 1 metadata/annotations\n"
"commonAnnotations ReplicationController - v1 1 spec/template/metadata/annotations\n"
"commonAnnotations Deployment - - 1 spec/template/metadata/annotations\n"
"commonAnnotations ReplicaSet - - 1 spec/template/metadata/annotations\n"
"commonAnnotations DaemonSet - - 1 spec/template/metadata/annotations\n"
"commonAnnotations StatefulSet - - 1 spec/template/metadata/annotations\n"
"commonAnnotations Job batch - 1 spec/template/metadata/annotations\n"
"commonAnnotations CronJob batch - 1 spec/jobTemplate/metadata/annotations\n"
"commonAnnotations CronJob batch - 1 spec/jobTemplate/spec/template/metadata/annotations\n"
"namespace Namespace - - 1 metadata/name\n"
"namespace APIService apiregistration.k8s.io - 1 spec/service/namespace\n"
"namespace CustomResourceDefinition apiextensions.k8s.io - 0 spec/conversion/webhook/clientConfig/service/namespace\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/args\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/command\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/env/value\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/args\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/command\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/env/value\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath\n"
"varReference CronJob - - 0 spec/jobTemplate/spec/template/volumes/nfs/server\n"
"varReference DaemonSet - - 0 spec/template/spec/containers/args\n"
"varReference DaemonSet - - 0 spec/template/spec/containers/command\n"
"varReference DaemonSet - - 0 spec/template/spec/containers/env/value\n"
"varReference DaemonSet - - 0 spec/template/spec/containers/volumeMounts/mountPath\n"
"varReference DaemonSet - - 0 spec/template/spec/initContainers/args\n"
"varReference DaemonSet - - 0 spec/template/spec/initContainers/command\n"
"varReference DaemonSet - - 0 spec/template/spec/initContainers/env/value\n"
"varReference DaemonSet - - 0 spec/template/spec/initContainers/volumeMounts/mountPath\n"
"varReference DaemonSet - - 0 spec/template/spec/volumes/nfs/server\n"
"varReference Deployment - - 0 spec/template/spec/containers/args\n"
"varReference Deployment - - 0 spec/template/spec/containers/command\n"
"varReference Deployment - - 0 spec/template/spec/containers/env/value\n"
"varReference Deployment - - 0 spec/template/spec/containers/volumeMounts/mountPath\n"
"varReference Deployment - - 0 spec/template/spec/initContainers/args\n"
"varReference Deployment - - 0 spec/template/spec/initContainers/command\n"
"varReference Deployment - - 0 spec/template/spec/initContainers/env/value\n"
"varReference Deployment - - 0 spec/template/spec/initContainers/volumeMounts/mountPath\n"
"varReference Deployment - - 0 spec/template/spec/volumes/nfs/server\n"
"varReference Deployment - - 0 spec/template/metadata/annotations\n"
"varReference Ingress - - 0 spec/rules/host\n"
"varReference Ingress - - 0 spec/tls/hosts\n"
"varReference Ingress - - 0 spec/tls/secretName\n"
"varReference Job - - 0 spec/template/spec/containers/args\n"
"varReference Job - - 0 spec/template/spec/containers/command\n"
"varReference Job - - 0 spec/template/spec/containers/env/value\n"
"varReference Job - - 0 spec/template/spec/containers/volumeMounts/mountPath\n"
"varReference Job - - 0 spec/template/spec/initContainers/args\n"
"varReference Job - - 0 spec/template/spec/initContainers/command\n"
"varReference Job - - 0 spec/template/spec/initContainers/env/value\n"
"varReference Job - - 0 spec/template/spec/initContainers/volumeMounts/mountPath\n"
"varReference Job - - 0 spec/template/spec/volumes/nfs/server\n"
"varReference Pod - - 0 spec/containers/args\n"
"varReference Pod - - 0 spec/containers/command\n"
"varReference Pod - - 0 spec/containers/env/value\n"
"varReference Pod - - 0 spec/containers/volumeMounts/mountPath\n"
"varReference Pod - - 0 spec/initContainers/args\n"
"varReference Pod - - 0 spec/initContainers/command\n"
"varReference Pod - - 0 spec/initContainers/env/value\n"
"varReference Pod - - 0 spec/initContainers/volumeMounts/mountPath\n"
"varReference Pod - - 0 spec/volumes/nfs/server\n"
"varReference ReplicaSet - - 0 spec/template/spec/containers/args\n"
"varReference ReplicaSet - - 0 spec/template/spec/containers/command\n"
"varReference ReplicaSet - - 0 spec/template/spec/containers/env/value\n"
"varReference ReplicaSet - - 0 spec/template/spec/containers/volumeMounts/mountPath\n"
"varReference ReplicaSet - - 0 spec/template/spec/initContainers/args\n"
"varReference ReplicaSet - - 0 spec/template/spec/initContainers/command\n"
"varReference ReplicaSet - - 0 spec/template/spec/initContainers/env/value\n"
"varReference ReplicaSet - - 0 spec/template/spec/initContainers/volumeMounts/mountPath\n"
"varReference ReplicaSet - - 0 spec/template/spec/volumes/nfs/server\n"
"varReference Service - - 0 spec/ports/port\n"
"varReference Service - - 0 spec/ports/targetPort\n"
"varReference StatefulSet - - 0 spec/template/spec/containers/args\n"
"varReference StatefulSet - - 0 spec/template/spec/containers/command\n"
"varReference StatefulSet - - 0 spec/template/spec/containers/env/value\n"
"varReference StatefulSet - - 0 spec/template/spec/containers/volumeMounts/mountPath\n"
"varReference StatefulSet - - 0 spec/template/spec/initContainers/args\n"
"varReference StatefulSet - - 0 spec/template/spec/initContainers/command\n"
"varReference StatefulSet - - 0 spec/template/spec/initContainers/env/value\n"
"varReference StatefulSet - - 0 spec/template/spec/initContainers/volumeMounts/mountPath\n"
"varReference StatefulSet - - 0 spec/volumeClaimTemplates/spec/nfs/server\n"
"varReference PersistentVolume - - 0 spec/nfs/server\n"
"varReference - - - 0 metadata/labels\n"
"varReference - - - 0 metadata/annotations\n"
"nameReference Deployment - - HorizontalPodAutoscaler - - 0 spec/scaleTargetRef/name\n"
"nameReference ReplicationController - - HorizontalPodAutoscaler - - 0 spec/scaleTargetRef/name\n"
"nameReference ReplicaSet - - HorizontalPodAutoscaler - - 0 spec/scaleTargetRef/name\n"
"nameReference StatefulSet - - HorizontalPodAutoscaler - - 0 spec/scaleTargetRef/name\n"
"nameReference ConfigMap - v1 Pod - v1 0 spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 Pod - v1 0 spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 Pod - v1 0 spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 Pod - v1 0 spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Pod - v1 0 spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Pod - v1 0 spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 PodTemplate - - 0 template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 PodTemplate - - 0 template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 PodTemplate - - 0 template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 PodTemplate - - 0 template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 PodTemplate - - 0 template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 PodTemplate - - 0 template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 Deployment - - 0 spec/template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 Deployment - - 0 spec/template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 Deployment - - 0 spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 Deployment - - 0 spec/template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Deployment - - 0 spec/template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Deployment - - 0 spec/template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 ReplicaSet - - 0 spec/template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 ReplicaSet - - 0 spec/template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 ReplicaSet - - 0 spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 ReplicaSet - - 0 spec/template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 ReplicaSet - - 0 spec/template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 ReplicaSet - - 0 spec/template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 DaemonSet - - 0 spec/template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 DaemonSet - - 0 spec/template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 DaemonSet - - 0 spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 DaemonSet - - 0 spec/template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 DaemonSet - - 0 spec/template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 DaemonSet - - 0 spec/template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 StatefulSet - - 0 spec/template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 StatefulSet - - 0 spec/template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 StatefulSet - - 0 spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 StatefulSet - - 0 spec/template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 StatefulSet - - 0 spec/template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 StatefulSet - - 0 spec/template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 Job - - 0 spec/template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 Job - - 0 spec/template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 Job - - 0 spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 Job - - 0 spec/template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Job - - 0 spec/template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Job - - 0 spec/template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/volumes/configMap/name\n"
"nameReference ConfigMap - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/volumes/projected/sources/configMap/name\n"
"nameReference ConfigMap - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/configMapKeyRef/name\n"
"nameReference ConfigMap - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/envFrom/configMapRef/name\n"
"nameReference ConfigMap - v1 Node - - 0 spec/configSource/configMap\n"
"nameReference ConfigMap - v1 Role - - 0 rules/resourceNames\n"
"nameReference ConfigMap - v1 ClusterRole - - 0 rules/resourceNames\n"
"nameReference ConfigMap - v1 Ingress - - 0 metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap\n"
"nameReference Secret - v1 Pod - v1 0 spec/volumes/secret/secretName\n"
"nameReference Secret - v1 Pod - v1 0 spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 Pod - v1 0 spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 Pod - v1 0 spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 Pod - v1 0 spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 Pod - v1 0 spec/imagePullSecrets/name\n"
"nameReference Secret - v1 Pod - v1 0 spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 PodTemplate - - 0 template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 Deployment - - 0 spec/template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 ReplicaSet - - 0 spec/template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 DaemonSet - - 0 spec/template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 StatefulSet - - 0 spec/template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 Job - - 0 spec/template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/volumes/secret/secretName\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/volumes/projected/sources/secret/name\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/containers/envFrom/secretRef/name\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/initContainers/envFrom/secretRef/name\n"
"nameReference Secret - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/imagePullSecrets/name\n"
"nameReference Secret - v1 Ingress - - 0 spec/tls/secretName\n"
"nameReference Secret - v1 Ingress - - 0 metadata/annotations/ingress.kubernetes.io\\/auth-secret\n"
"nameReference Secret - v1 Ingress - - 0 metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret\n"
"nameReference Secret - v1 Ingress - - 0 metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret\n"
"nameReference Secret - v1 Ingress - - 0 spec/tls/secretName\n"
"nameReference Secret - v1 ServiceAccount - - 0 imagePullSecrets/name\n"
"nameReference Secret - v1 StorageClass - - 0 parameters/secretName\n"
"nameReference Secret - v1 StorageClass - - 0 parameters/adminSecretName\n"
"nameReference Secret - v1 StorageClass - - 0 parameters/userSecretName\n"
"nameReference Secret - v1 StorageClass - - 0 parameters/secretRef\n"
"nameReference Secret - v1 Role - - 0 rules/resourceNames\n"
"nameReference Secret - v1 ClusterRole - - 0 rules/resourceNames\n"
"nameReference Secret - v1 Service serving.knative.dev v1 0 spec/template/spec/containers/env/valueFrom/secretKeyRef/name\n"
"nameReference Secret - v1 PersistentVolume - - 0 spec/azureFile/secretName\n"
"nameReference Service - v1 StatefulSet apps - 0 spec/serviceName\n"
"nameReference Service - v1 Ingress - - 0 spec/rules/http/paths/backend/serviceName\n"
"nameReference Service - v1 Ingress - - 0 spec/backend/serviceName\n"
"nameReference Service - v1 Ingress - - 0 spec/rules/http/paths/backend/service/name\n"
"nameReference Service - v1 Ingress - - 0 spec/defaultBackend/service/name\n"
"nameReference Service - v1 APIService apiregistration.k8s.io - 0 spec/service/name\n"
"nameReference Service - v1 ValidatingWebhookConfiguration admissionregistration.k8s.io - 0 webhooks/clientConfig/service\n"
"nameReference Service - v1 MutatingWebhookConfiguration admissionregistration.k8s.io - 0 webhooks/clientConfig/service\n"
"nameReference Role rbac.authorization.k8s.io - RoleBinding rbac.authorization.k8s.io - 0 roleRef/name\n"
"nameReference ClusterRole rbac.authorization.k8s.io - RoleBinding rbac.authorization.k8s.io - 0 roleRef/name\n"
"nameReference ClusterRole rbac.authorization.k8s.io - ClusterRoleBinding rbac.authorization.k8s.io - 0 roleRef/name\n"
"nameReference ServiceAccount - v1 RoleBinding rbac.authorization.k8s.io - 0 subjects\n"
"nameReference ServiceAccount - v1 ClusterRoleBinding rbac.authorization.k8s.io - 0 subjects\n"
"nameReference ServiceAccount - v1 Pod - - 0 spec/serviceAccountName\n"
"nameReference ServiceAccount - v1 StatefulSet - - 0 spec/template/spec/serviceAccountName\n"
"nameReference ServiceAccount - v1 Deployment - - 0 spec/template/spec/serviceAccountName\n"
"nameReference ServiceAccount - v1 ReplicationController - - 0 spec/template/spec/serviceAccountName\n"
"nameReference ServiceAccount - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/serviceAccountName\n"
"nameReference ServiceAccount - v1 Job - - 0 spec/template/spec/serviceAccountName\n"
"nameReference ServiceAccount - v1 DaemonSet - - 0 spec/template/spec/serviceAccountName\n"
"nameReference PersistentVolumeClaim - v1 Pod - - 0 spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolumeClaim - v1 StatefulSet - - 0 spec/template/spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolumeClaim - v1 Deployment - - 0 spec/template/spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolumeClaim - v1 ReplicationController - - 0 spec/template/spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolumeClaim - v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolumeClaim - v1 Job - - 0 spec/template/spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolumeClaim - v1 DaemonSet - - 0 spec/template/spec/volumes/persistentVolumeClaim/claimName\n"
"nameReference PersistentVolume - v1 PersistentVolumeClaim - - 0 spec/volumeName\n"
"nameReference PersistentVolume - v1 ClusterRole - - 0 rules/resourceNames\n"
"nameReference StorageClass storage.k8s.io v1 PersistentVolume - - 0 spec/storageClassName\n"
"nameReference StorageClass storage.k8s.io v1 PersistentVolumeClaim - - 0 spec/storageClassName\n"
"nameReference StorageClass storage.k8s.io v1 StatefulSet - - 0 spec/volumeClaimTemplates/spec/storageClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 Pod - - 0 spec/priorityClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 StatefulSet - - 0 spec/template/spec/priorityClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 Deployment - - 0 spec/template/spec/priorityClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 ReplicationController - - 0 spec/template/spec/priorityClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 CronJob - - 0 spec/jobTemplate/spec/template/spec/priorityClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 Job - - 0 spec/template/spec/priorityClassName\n"
"nameReference PriorityClass scheduling.k8s.io v1 DaemonSet - - 0 spec/template/spec/priorityClassName\n"
"nameReference IngressClass networking.k8s.io/v1 v1 Ingress - - 0 spec/ingressClassName\n"
"nameReference ValidatingAdmissionPolicy admissionregistration.k8s.io - ValidatingAdmissionPolicyBinding admissionregistration.k8s.io - 0 spec/policyName\n"
"images - - - 1 spec/containers[]/image\n"
"images - - - 1 spec/initContainers[]/image\n"
"images - - - 1 spec/template/spec/containers[]/image\n"
"images - - - 1 spec/template/spec/initContainers[]/image\n"
"replicas Deployment - - 1 spec/replicas\n"
"replicas ReplicationController - - 1 spec/replicas\n"
"replicas ReplicaSet - - 1 spec/replicas\n"
"replicas StatefulSet - - 1 spec/replicas\n";

void kz_fieldspec_release(struct kz_fieldspec *fs)
{
	for (size_t i = 0; i < fs->n_parts; i++)
		free(fs->parts[i]);
	free(fs->parts);
	fs->parts = NULL;
	fs->n_parts = 0;
}

void kz_fsslice_free(struct kz_fsslice *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].group);
		free(s->v[i].version);
		free(s->v[i].kind);
		free(s->v[i].path);
		kz_fieldspec_release(&s->v[i]);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int fsslice_push(struct kz_fsslice *s, const char *group, const char *version, const char *kind,
			const char *path, bool create)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct kz_fieldspec *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	struct kz_fieldspec *fs = &s->v[s->n];
	fs->group = kz_strdup(group);
	fs->version = kz_strdup(version);
	fs->kind = kz_strdup(kind);
	fs->path = kz_strdup(path);
	fs->create = create;
	fs->parts = NULL;
	fs->n_parts = 0;
	s->n++;
	if (!fs->group || !fs->version || !fs->kind || !fs->path)
		return -1;
	return 0;
}

int kz_fsslice_copy(struct kz_fsslice *dst, const struct kz_fsslice *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct kz_fieldspec *f = &src->v[i];
		if (fsslice_push(dst, f->group, f->version, f->kind, f->path, f->create) < 0)
			return -1;
	}
	return 0;
}

/* FieldSpec.effectivelyEquals: x's gvk selected by y's, and the same path. */
static bool gvk_selected(const char *g, const char *v, const char *k, const char *sg, const char *sv, const char *sk)
{
	return (!*sg || !strcmp(g, sg)) && (!*sv || !strcmp(v, sv)) && (!*sk || !strcmp(k, sk));
}

/*
 * FsSlice.mergeOne looks for the first field spec with fs's path whose gvk fs's selects. A merge
 * of a whole table (hundreds of built-in specs, once per kustomization and accumulator) looks
 * through the slice by path: chains of the entries per path hash, in slice order, so the first
 * match is the one the plain scan finds.
 */
struct path_index {
	size_t *head, *tail, *next; /* bucket -> first and last entry, entry -> the next in its bucket */
	size_t mask;
};
#define NO_ENTRY ((size_t)-1)

static size_t path_hash(const char *p)
{
	size_t h = 1469598103934665603u;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

static void index_add(struct path_index *ix, const struct kz_fsslice *s, size_t i)
{
	size_t b = path_hash(s->v[i].path) & ix->mask;
	ix->next[i] = NO_ENTRY;
	if (ix->head[b] == NO_ENTRY)
		ix->head[b] = i;
	else
		ix->next[ix->tail[b]] = i;
	ix->tail[b] = i;
}

static int index_init(struct path_index *ix, const struct kz_fsslice *s, size_t room)
{
	size_t nb = 16;
	while (nb < 2 * (s->n + room))
		nb *= 2;
	ix->mask = nb - 1;
	ix->head = malloc(nb * sizeof(size_t));
	ix->tail = malloc(nb * sizeof(size_t));
	ix->next = malloc((s->n + room + 1) * sizeof(size_t));
	if (!ix->head || !ix->tail || !ix->next)
		return -1;
	memset(ix->head, 0xff, nb * sizeof(size_t));
	for (size_t i = 0; i < s->n; i++)
		index_add(ix, s, i);
	return 0;
}

static void index_free(struct path_index *ix)
{
	free(ix->head);
	free(ix->tail);
	free(ix->next);
}

/* 1 when fs was added, 0 when an equal one was there, -1 with e. */
static int merge_one_indexed(struct kz_fsslice *s, struct path_index *ix, const struct kz_fieldspec *fs,
			     struct kz_err *e)
{
	for (size_t i = ix->head[path_hash(fs->path) & ix->mask]; i != NO_ENTRY; i = ix->next[i]) {
		const struct kz_fieldspec *x = &s->v[i];
		if (!strcmp(x->path, fs->path) && gvk_selected(x->group, x->version, x->kind, fs->group, fs->version, fs->kind)) {
			if (x->create != fs->create)
				return kz_fail(e, "conflicting fieldspecs");
			return 0;
		}
	}
	if (fsslice_push(s, fs->group, fs->version, fs->kind, fs->path, fs->create) < 0)
		return kz_fail(e, "out of memory");
	index_add(ix, s, s->n - 1);
	return 1;
}

static int merge_one(struct kz_fsslice *s, const struct kz_fieldspec *fs, struct kz_err *e)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct kz_fieldspec *x = &s->v[i];
		if (!strcmp(x->path, fs->path) && gvk_selected(x->group, x->version, x->kind, fs->group, fs->version, fs->kind)) {
			if (x->create != fs->create)
				return kz_fail(e, "conflicting fieldspecs");
			return 0;
		}
	}
	if (fsslice_push(s, fs->group, fs->version, fs->kind, fs->path, fs->create) < 0)
		return kz_fail(e, "out of memory");
	return 1;
}

int kz_fsslice_merge_one(struct kz_fsslice *s, const struct kz_fieldspec *fs, struct kz_err *e)
{
	return merge_one(s, fs, e) < 0 ? -1 : 0;
}

/* 1 when something was added. */
static int merge_all(struct kz_fsslice *s, const struct kz_fsslice *in, struct kz_err *e)
{
	int added = 0;
	if (in->n < 4) { /* (an empty s too: the built-in tables are merged into new accumulators) */
		for (size_t i = 0; i < in->n; i++) {
			int st = merge_one(s, &in->v[i], e);
			if (st < 0)
				return -1;
			added |= st;
		}
		return added;
	}
	struct path_index ix;
	if (index_init(&ix, s, in->n) < 0) {
		index_free(&ix);
		return kz_fail(e, "out of memory");
	}
	for (size_t i = 0; i < in->n && added >= 0; i++) {
		int st = merge_one_indexed(s, &ix, &in->v[i], e);
		added = st < 0 ? -1 : added | st;
	}
	index_free(&ix);
	return added;
}

int kz_fsslice_merge_all(struct kz_fsslice *s, const struct kz_fsslice *in, struct kz_err *e)
{
	return merge_all(s, in, e) < 0 ? -1 : 0;
}

/* resid's legacy kind order, for Gvk.IsLessThan (the order field spec tables are sorted in). */
static const char *const order_first[] = {
	"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
	"PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
	"Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
	"Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
};
static const char *const order_last[] = { "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration" };

static int kind_rank(const char *kind)
{
	int nf = (int)(sizeof(order_first) / sizeof(*order_first));
	for (int i = 0; i < nf; i++)
		if (!strcmp(kind, order_first[i]))
			return -nf + i;
	for (int i = 0; i < (int)(sizeof(order_last) / sizeof(*order_last)); i++)
		if (!strcmp(kind, order_last[i]))
			return 1 + i;
	return 0;
}

/* Gvk.stableSortString comparison: group_version_kind with ~G/~V/~K for empty parts, compared as
 * the joined strings would be. */
static int gvk_sort_cmp(const char *g1, const char *v1, const char *k1, const char *g2, const char *v2,
			const char *k2)
{
	int r1 = kind_rank(k1), r2 = kind_rank(k2);
	if (r1 != r2)
		return r1 < r2 ? -1 : 1;
	const char *a[5] = { *g1 ? g1 : "~G", "_", *v1 ? v1 : "~V", "_", *k1 ? k1 : "~K" };
	const char *b[5] = { *g2 ? g2 : "~G", "_", *v2 ? v2 : "~V", "_", *k2 ? k2 : "~K" };
	size_t ia = 0, ib = 0;
	const char *pa = a[0], *pb = b[0];
	for (;;) {
		while (!*pa && ia < 4)
			pa = a[++ia];
		while (!*pb && ib < 4)
			pb = b[++ib];
		if (!*pa || !*pb)
			return *pa ? 1 : *pb ? -1 : 0;
		if (*pa != *pb)
			return (unsigned char)*pa < (unsigned char)*pb ? -1 : 1;
		pa++, pb++;
	}
}

/* sort.Sort by Gvk.IsLessThan; Go's sort is an insertion sort up to 12 elements (stable), and
 * the order of field specs with equal kinds changes nothing the transformers do. */
static void fsslice_sort(struct kz_fsslice *s)
{
	for (size_t i = 1; i < s->n; i++) {
		struct kz_fieldspec x = s->v[i];
		size_t j = i;
		while (j > 0 && gvk_sort_cmp(x.group, x.version, x.kind, s->v[j - 1].group, s->v[j - 1].version,
					     s->v[j - 1].kind) < 0) {
			s->v[j] = s->v[j - 1];
			j--;
		}
		s->v[j] = x;
	}
}

static void nameref_sort(struct kz_tconfig *tc)
{
	for (size_t i = 1; i < tc->n_nameref; i++) {
		struct kz_nameref x = tc->nameref[i];
		size_t j = i;
		while (j > 0 && gvk_sort_cmp(x.group, x.version, x.kind, tc->nameref[j - 1].group,
					     tc->nameref[j - 1].version, tc->nameref[j - 1].kind) < 0) {
			tc->nameref[j] = tc->nameref[j - 1];
			j--;
		}
		tc->nameref[j] = x;
	}
}

static void tconfig_sort(struct kz_tconfig *tc)
{
	struct kz_fsslice *all[] = { &tc->name_prefix, &tc->name_suffix, &tc->namespace, &tc->common_labels,
				     &tc->labels, &tc->template_labels, &tc->common_annotations, &tc->var_reference,
				     &tc->images, &tc->replicas };
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		fsslice_sort(all[i]);
	nameref_sort(tc);
}

void kz_tconfig_free(struct kz_tconfig *tc)
{
	struct kz_fsslice *all[] = { &tc->name_prefix, &tc->name_suffix, &tc->namespace, &tc->common_labels,
				     &tc->labels, &tc->template_labels, &tc->common_annotations, &tc->var_reference,
				     &tc->images, &tc->replicas };
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		kz_fsslice_free(all[i]);
	for (size_t i = 0; i < tc->n_nameref; i++) {
		free(tc->nameref[i].group);
		free(tc->nameref[i].version);
		free(tc->nameref[i].kind);
		kz_fsslice_free(&tc->nameref[i].fs);
	}
	free(tc->nameref);
	memset(tc, 0, sizeof(*tc));
}

static struct kz_fsslice *table_named(struct kz_tconfig *tc, const char *name)
{
	static const struct { const char *name; size_t off; } tables[] = {
		{ "namePrefix", offsetof(struct kz_tconfig, name_prefix) },
		{ "nameSuffix", offsetof(struct kz_tconfig, name_suffix) },
		{ "namespace", offsetof(struct kz_tconfig, namespace) },
		{ "commonLabels", offsetof(struct kz_tconfig, common_labels) },
		{ "labels", offsetof(struct kz_tconfig, labels) },
		{ "templateLabels", offsetof(struct kz_tconfig, template_labels) },
		{ "commonAnnotations", offsetof(struct kz_tconfig, common_annotations) },
		{ "varReference", offsetof(struct kz_tconfig, var_reference) },
		{ "images", offsetof(struct kz_tconfig, images) },
		{ "replicas", offsetof(struct kz_tconfig, replicas) },
	};
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++)
		if (!strcmp(tables[i].name, name))
			return (struct kz_fsslice *)((char *)tc + tables[i].off);
	return NULL;
}

/* The entry for the referred kind (NameBackReferences), appended when new. */
static struct kz_nameref *nameref_for(struct kz_tconfig *tc, const char *group, const char *version, const char *kind)
{
	for (size_t i = 0; i < tc->n_nameref; i++) {
		struct kz_nameref *n = &tc->nameref[i];
		if (!strcmp(n->group, group) && !strcmp(n->version, version) && !strcmp(n->kind, kind))
			return n;
	}
	struct kz_nameref *v = realloc(tc->nameref, (tc->n_nameref + 1) * sizeof(*v));
	if (!v)
		return NULL;
	tc->nameref = v;
	struct kz_nameref *n = &v[tc->n_nameref++];
	memset(n, 0, sizeof(*n));
	n->group = kz_strdup(group);
	n->version = kz_strdup(version);
	n->kind = kz_strdup(kind);
	return n->group && n->version && n->kind ? n : NULL;
}

static const char *dash(const char *s)
{
	return strcmp(s, "-") ? s : "";
}

static int parse_defaults(struct kz_tconfig *tc, struct kz_err *e)
{
	memset(tc, 0, sizeof(*tc));
	const char *p = builtin_fieldspecs;
	while (*p) {
		char line[512], *f[10];
		size_t n = strcspn(p, "\n"), nf = 0;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		for (char *s = strtok(line, " "); s && nf < 10; s = strtok(NULL, " "))
			f[nf++] = s;
		int st;
		if (!strcmp(f[0], "nameReference")) {
			struct kz_nameref *nr = nameref_for(tc, dash(f[2]), dash(f[3]), dash(f[1]));
			st = nr ? fsslice_push(&nr->fs, dash(f[5]), dash(f[6]), dash(f[4]), f[8], f[7][0] == '1') : -1;
		} else {
			st = fsslice_push(table_named(tc, f[0]), dash(f[2]), dash(f[3]), dash(f[1]), f[5], f[4][0] == '1');
		}
		if (st < 0)
			return kz_tconfig_free(tc), kz_fail(e, "out of memory");
	}
	tconfig_sort(tc);
	return 0;
}

/* The built-in tables are parsed once and copied into each kustomization's config. */
static struct kz_tconfig defaults;
static bool have_defaults;
/*
 * Every kustomization merges the built-in tables into its accumulator, and every accumulator into
 * its parent's: hundreds of field specs each time, a fifth of a 50-kustomization build, and nearly
 * always to no effect. Two facts, checked once on the tables themselves, let a merge be skipped
 * with the same result: merging them into a copy of themselves adds nothing and fails nowhere
 * (defaults_fixed), and merging them into an empty config gives them back (defaults_from_empty).
 */
static bool defaults_fixed, defaults_from_empty;

static void free_defaults(void)
{
	kz_tconfig_free(&defaults);
}

static int tconfig_copy(struct kz_tconfig *dst, const struct kz_tconfig *src)
{
	struct kz_fsslice *to[] = { &dst->name_prefix, &dst->name_suffix, &dst->namespace, &dst->common_labels,
				    &dst->labels, &dst->template_labels, &dst->common_annotations, &dst->var_reference,
				    &dst->images, &dst->replicas };
	const struct kz_fsslice *from[] = { &src->name_prefix, &src->name_suffix, &src->namespace,
					    &src->common_labels, &src->labels, &src->template_labels,
					    &src->common_annotations, &src->var_reference, &src->images, &src->replicas };
	for (size_t i = 0; i < sizeof(to) / sizeof(*to); i++)
		if (kz_fsslice_copy(to[i], from[i]) < 0)
			return -1;
	for (size_t i = 0; i < src->n_nameref; i++) {
		const struct kz_nameref *o = &src->nameref[i];
		struct kz_nameref *n = nameref_for(dst, o->group, o->version, o->kind);
		if (!n || kz_fsslice_copy(&n->fs, &o->fs) < 0)
			return -1;
	}
	dst->is_defaults = src->is_defaults;
	return 0;
}

static bool fsslice_equal(const struct kz_fsslice *a, const struct kz_fsslice *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct kz_fieldspec *x = &a->v[i], *y = &b->v[i];
		if (x->create != y->create || strcmp(x->group, y->group) || strcmp(x->version, y->version) ||
		    strcmp(x->kind, y->kind) || strcmp(x->path, y->path))
			return false;
	}
	return true;
}

static bool tconfig_equal(const struct kz_tconfig *a, const struct kz_tconfig *b)
{
	const struct kz_fsslice *x[] = { &a->name_prefix, &a->name_suffix, &a->namespace, &a->common_labels,
					 &a->labels, &a->template_labels, &a->common_annotations, &a->var_reference,
					 &a->images, &a->replicas };
	const struct kz_fsslice *y[] = { &b->name_prefix, &b->name_suffix, &b->namespace, &b->common_labels,
					 &b->labels, &b->template_labels, &b->common_annotations, &b->var_reference,
					 &b->images, &b->replicas };
	for (size_t i = 0; i < sizeof(x) / sizeof(*x); i++)
		if (!fsslice_equal(x[i], y[i]))
			return false;
	if (a->n_nameref != b->n_nameref)
		return false;
	for (size_t i = 0; i < a->n_nameref; i++) {
		const struct kz_nameref *m = &a->nameref[i], *n = &b->nameref[i];
		if (strcmp(m->group, n->group) || strcmp(m->version, n->version) || strcmp(m->kind, n->kind) ||
		    !fsslice_equal(&m->fs, &n->fs))
			return false;
	}
	return true;
}

static int merge_tables(struct kz_tconfig *tc, const struct kz_tconfig *other, struct kz_err *e);

/* The two facts above, by doing both merges once. */
static void check_defaults(void)
{
	struct kz_err scratch = { NULL, false, false };
	struct kz_tconfig copy, empty;
	memset(&copy, 0, sizeof(copy));
	memset(&empty, 0, sizeof(empty));
	defaults_fixed = tconfig_copy(&copy, &defaults) == 0 && merge_tables(&copy, &defaults, &scratch) == 0;
	defaults_from_empty = merge_tables(&empty, &defaults, &scratch) >= 0 && tconfig_equal(&empty, &defaults);
	kz_tconfig_free(&copy);
	kz_tconfig_free(&empty);
	free(scratch.msg);
}

const struct kz_tconfig *kz_tconfig_builtin(struct kz_err *e)
{
	if (!have_defaults) {
		struct kz_tconfig parsed;
		if (parse_defaults(&parsed, e) < 0)
			return NULL;
		int st = merge_tables(&defaults, &parsed, e);
		kz_tconfig_free(&parsed);
		if (st < 0)
			return kz_tconfig_free(&defaults), NULL;
		have_defaults = true;
		atexit(free_defaults);
		check_defaults();
		defaults.is_defaults = true;
	}
	return &defaults;
}

/* What kustomize starts each kustomization with: the built-in tables merged into an empty config
 * (made once: every later copy is the same). */
int kz_tconfig_defaults(struct kz_tconfig *tc, struct kz_err *e)
{
	memset(tc, 0, sizeof(*tc));
	const struct kz_tconfig *d = kz_tconfig_builtin(e);
	if (!d)
		return -1;
	if (tconfig_copy(tc, d) < 0)
		return kz_tconfig_free(tc), kz_fail(e, "out of memory");
	return 0;
}

static bool tconfig_empty(const struct kz_tconfig *tc)
{
	const struct kz_fsslice *all[] = { &tc->name_prefix, &tc->name_suffix, &tc->namespace, &tc->common_labels,
					   &tc->labels, &tc->template_labels, &tc->common_annotations,
					   &tc->var_reference, &tc->images, &tc->replicas };
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (all[i]->n)
			return false;
	return tc->n_nameref == 0;
}

/* TransformerConfig.Merge: every table merged field spec by field spec, then sorted (kept as
 * it is when nothing new came: merging is idempotent). 1 when something was added, 0, -1 with e. */
static int merge_tables(struct kz_tconfig *tc, const struct kz_tconfig *other, struct kz_err *e)
{
	struct kz_fsslice *mine[] = { &tc->name_prefix, &tc->name_suffix, &tc->namespace, &tc->common_labels,
				      &tc->labels, &tc->template_labels, &tc->common_annotations, &tc->var_reference,
				      &tc->images, &tc->replicas };
	const struct kz_fsslice *theirs[] = { &other->name_prefix, &other->name_suffix, &other->namespace,
					      &other->common_labels, &other->labels, &other->template_labels,
					      &other->common_annotations, &other->var_reference, &other->images,
					      &other->replicas };
	int added = 0;
	for (size_t i = 0; i < sizeof(mine) / sizeof(*mine); i++) {
		int st = merge_all(mine[i], theirs[i], e);
		if (st < 0)
			return -1;
		added |= st;
	}
	for (size_t i = 0; i < other->n_nameref; i++) {
		const struct kz_nameref *o = &other->nameref[i];
		size_t before = tc->n_nameref;
		struct kz_nameref *n = nameref_for(tc, o->group, o->version, o->kind);
		if (!n)
			return kz_fail(e, "out of memory");
		int st = merge_all(&n->fs, &o->fs, e);
		if (st < 0)
			return -1;
		added |= st | (tc->n_nameref != before);
	}
	if (added)
		tconfig_sort(tc);
	return added;
}

int kz_tconfig_merge(struct kz_tconfig *tc, const struct kz_tconfig *other, struct kz_err *e)
{
	if (other->is_defaults && defaults_fixed) {
		if (tc->is_defaults)
			return 0;
		if (defaults_from_empty && tconfig_empty(tc)) {
			if (tconfig_copy(tc, &defaults) < 0)
				return kz_fail(e, "out of memory");
			return 0;
		}
	}
	int st = merge_tables(tc, other, e);
	if (st < 0)
		return -1;
	tc->is_defaults = tc->is_defaults && st == 0;
	return 0;
}

/* A path kustomize would read as something other than field names (indexes, [k=v], *, -). */
static bool plain_path(const char *path)
{
	if (!*path)
		return false;
	for (const char *c = path; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || *c == '[' || (n == 1 && (*c == '-' || *c == '*')) || strspn(c, "0123456789") >= n)
			return false;
		c += n + (c[n] == '/');
	}
	return true;
}

static int fieldspec_from_json(struct kz_fsslice *s, const json_t *j, const char *file, struct kz_err *e)
{
	static const char *const known[] = { "group", "version", "kind", "path", "create", NULL };
	const char *k;
	json_t *v;
	if (!json_is_object(j))
		return kz_unsupported(e, "%s: a field spec that is not a map", file);
	json_object_foreach((json_t *)j, k, v) {
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			ok = ok || !strcmp(k, known[i]);
		if (!ok || (strcmp(k, "create") ? !json_is_string(v) : !json_is_boolean(v)))
			return kz_unsupported(e, "%s: field spec field '%s'", file, k);
	}
	const char *path = kz_str(j, "path");
	if (!plain_path(path))
		return kz_unsupported(e, "%s: field spec path '%s'", file, path);
	if (fsslice_push(s, kz_str(j, "group"), kz_str(j, "version"), kz_str(j, "kind"), path,
			 json_is_true(json_object_get(j, "create"))) < 0)
		return kz_fail(e, "out of memory");
	return 0;
}

int kz_tconfig_merge_doc(struct kz_tconfig *tc, const json_t *doc, const char *file, struct kz_err *e)
{
	struct kz_tconfig t;
	const char *k;
	json_t *v;
	size_t i;
	json_t *item;
	memset(&t, 0, sizeof(t));
	if (!json_is_object(doc))
		return kz_unsupported(e, "%s: a configurations file that is not a map", file);
	json_object_foreach((json_t *)doc, k, v) {
		if (json_is_null(v))
			continue;
		if (!json_is_array(v))
			goto bad;
		struct kz_fsslice *s = strcmp(k, "nameReference") ? table_named(&t, k) : NULL;
		if (!s && strcmp(k, "nameReference"))
			goto bad;
		json_array_foreach(v, i, item) {
			if (s) {
				if (fieldspec_from_json(s, item, file, e) < 0)
					goto fail;
				continue;
			}
			const char *rk;
			json_t *rv;
			json_object_foreach(item, rk, rv)
				if (strcmp(rk, "group") && strcmp(rk, "version") && strcmp(rk, "kind") &&
				    strcmp(rk, "fieldSpecs"))
					goto bad;
			struct kz_nameref *nr = nameref_for(&t, kz_str(item, "group"), kz_str(item, "version"),
							    kz_str(item, "kind"));
			json_t *fss = json_object_get(item, "fieldSpecs"), *fs;
			size_t j;
			if (!nr)
				goto oom;
			json_array_foreach(fss, j, fs)
				if (fieldspec_from_json(&nr->fs, fs, file, e) < 0)
					goto fail;
		}
	}
	tconfig_sort(&t);
	int st = kz_tconfig_merge(tc, &t, e);
	kz_tconfig_free(&t);
	return st;
bad:
	kz_unsupported(e, "%s: configurations field '%s'", file, k);
	goto fail;
oom:
	kz_fail(e, "out of memory");
fail:
	kz_tconfig_free(&t);
	return -1;
}

/* ---- the walk ---- */

bool kz_fieldspec_matches(const struct kz_fieldspec *fs, const json_t *obj)
{
	const char *kind = kz_str(obj, "kind"), *av = kz_str(obj, "apiVersion"), *version;
	char group[256];
	if (*fs->kind && strcmp(fs->kind, kind))
		return false;
	kz_split_api_version(av, group, sizeof(group), &version);
	return (!*fs->group || !strcmp(fs->group, group)) && (!*fs->version || !strcmp(fs->version, version));
}

json_t *kz_slot_get(const struct kz_slot *s)
{
	return json_is_object(s->parent) ? json_object_get(s->parent, s->key) : json_array_get(s->parent, s->index);
}

int kz_slot_set(const struct kz_slot *s, json_t *v)
{
	return json_is_object(s->parent) ? json_object_set_new(s->parent, s->key, v)
					 : json_array_set_new(s->parent, s->index, v);
}

struct walk {
	char **parts;
	size_t n;
	enum kz_create create_kind;
	bool create;
	kz_set_fn set;
	void *ctx;
	struct kz_err *e;
	const char *path;
};

static int walk_node(struct walk *w, const struct kz_slot *slot, size_t at);

static int walk_map(struct walk *w, json_t *map, size_t at)
{
	char *name = w->parts[at];
	size_t len = strlen(name);
	bool is_seq = len > 2 && !strcmp(name + len - 2, "[]");
	char field[512];
	snprintf(field, sizeof(field), "%.*s", (int)(is_seq ? len - 2 : len), name);
	if (!*field)
		return kz_fail(w->e, "cannot set or create an empty field name");
	json_t *v = json_object_get(map, field);
	bool last = at + 1 == w->n;
	enum kz_create kind = KZ_CREATE_NONE;
	bool may_create = w->create && w->create_kind != KZ_CREATE_NONE && !is_seq;
	if (is_seq)
		kind = KZ_CREATE_NONE; /* a list is looked up only; a null one becomes an empty list */
	else if (may_create)
		kind = last ? w->create_kind : KZ_CREATE_MAP;
	if (!v) {
		if (!may_create)
			return 0;
		/* a new scalar is empty, which reads as null until something sets it */
		v = kind == KZ_CREATE_MAP ? json_object() : json_null();
		if (!v || json_object_set_new(map, field, v) < 0)
			return kz_fail(w->e, "out of memory");
	} else if (json_is_null(v) && (is_seq || kind == KZ_CREATE_MAP)) {
		v = is_seq ? json_array() : json_object();
		if (!v || json_object_set_new(map, field, v) < 0)
			return kz_fail(w->e, "out of memory");
	}
	struct kz_slot s = { map, field, 0 };
	return walk_node(w, &s, at + 1);
}

static int walk_node(struct walk *w, const struct kz_slot *slot, size_t at)
{
	json_t *v = kz_slot_get(slot);
	if (at == w->n)
		return w->set(slot, w->ctx, w->e);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			struct kz_slot s = { v, NULL, i };
			if (walk_node(w, &s, at) < 0)
				return -1;
		}
		return 0;
	}
	if (json_is_object(v))
		return walk_map(w, v, at);
	return kz_fail(w->e, "considering field '%s': expected sequence or mapping node", w->path);
}

/* kyaml's PathSplitter: '/'-separated, a leading '/' ignored, "\/" kept inside a part. */
static char **split_path(const char *path, size_t *n)
{
	size_t cap = 8;
	char **parts = malloc(cap * sizeof(*parts));
	*n = 0;
	if (!parts)
		return NULL;
	if (path[0] == '/' && path[1])
		path++;
	const char *p = path;
	for (;;) {
		char *buf = malloc(strlen(p) + 1);
		size_t k = 0;
		if (!buf)
			goto fail;
		while (*p && !(*p == '/' && !(k > 0 && buf[k - 1] == '\\')))
			buf[k++] = *p++;
		buf[k] = '\0';
		/* "a\/b": the backslash goes, the slash stays */
		for (char *q = buf; (q = strstr(q, "\\/"));)
			memmove(q, q + 1, strlen(q));
		if (*n == cap) {
			char **np = realloc(parts, (cap *= 2) * sizeof(*np));
			if (!np) {
				free(buf);
				goto fail;
			}
			parts = np;
		}
		parts[(*n)++] = buf;
		if (!*p)
			break;
		p++;
	}
	return parts;
fail:
	for (size_t i = 0; i < *n; i++)
		free(parts[i]);
	free(parts);
	return NULL;
}

static int apply(struct kz_fieldspec *fs, json_t *obj, enum kz_create create, kz_set_fn set, void *ctx,
		 struct kz_err *e)
{
	if (!fs->parts && !(fs->parts = split_path(fs->path, &fs->n_parts)))
		return kz_fail(e, "out of memory");
	if (!fs->n_parts)
		return 0;
	struct walk w = { .parts = fs->parts, .n = fs->n_parts, .create_kind = create, .create = fs->create, .set = set,
			  .ctx = ctx, .e = e, .path = fs->path };
	/* the object is a map: the walk starts at its first field */
	return json_is_object(obj) ? walk_map(&w, obj, 0) : 0;
}

int kz_fieldspec_apply(struct kz_fieldspec *fs, json_t *obj, enum kz_create create, kz_set_fn set, void *ctx,
		       struct kz_err *e)
{
	if (!kz_fieldspec_matches(fs, obj))
		return 0;
	return apply(fs, obj, create, set, ctx, e);
}

int kz_fieldspec_apply_any(struct kz_fieldspec *fs, json_t *obj, enum kz_create create, kz_set_fn set, void *ctx,
			   struct kz_err *e)
{
	return apply(fs, obj, create, set, ctx, e);
}
