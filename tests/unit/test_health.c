/* test_health: Argo CD's health rules on status bodies shaped like what clusters return. */
#include "health.h"
#include "jlit.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* Judge body; check status and (when want_msg is not NULL) message. */
static void check(const char *body, enum gt_health want, const char *want_msg, const char *name)
{
	json_t *obj = J(body);
	char *msg = NULL;
	enum gt_health got = gt_health_of(obj, &msg);
	is_str(gt_health_name(got), gt_health_name(want), "%s: %s", name, gt_health_name(want));
	if (want_msg)
		is_str(msg, want_msg, "%s: message", name);
	free(msg);
	json_decref(obj);
}

#define DEPLOY_META "'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'prod','generation':%s,'uid':'0b6a1d2e-7f6c-4e0b-9a51-3f2f1c1b9e01','resourceVersion':'48213'}"

/* A Deployment body with generation gen, spec extras, and status (already JSON). */
static char *deployment(const char *gen, const char *spec, const char *status)
{
	static char buf[4096];
	char meta[512];
	snprintf(meta, sizeof(meta), DEPLOY_META, gen);
	snprintf(buf, sizeof(buf),
		 "{%s,'spec':{'replicas':3,%s'selector':{'matchLabels':{'app':'web'}},"
		 "'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%%','maxUnavailable':'25%%'}},"
		 "'progressDeadlineSeconds':600,'template':{'metadata':{'labels':{'app':'web'}},"
		 "'spec':{'containers':[{'name':'web','image':'registry.example.com/web:1.4.2'}]}}},'status':%s}",
		 meta, spec, status);
	return buf;
}

#define COND_AVAILABLE_TRUE "{'type':'Available','status':'True','lastUpdateTime':'2026-11-30T09:12:44Z','lastTransitionTime':'2026-11-30T09:12:44Z','reason':'MinimumReplicasAvailable','message':'Deployment has minimum availability.'}"

static void test_deployment(void)
{
	check(deployment("4", "",
			 "{'observedGeneration':4,'replicas':3,'updatedReplicas':3,'readyReplicas':3,'availableReplicas':3,"
			 "'conditions':[" COND_AVAILABLE_TRUE ",{'type':'Progressing','status':'True','lastUpdateTime':'2026-11-30T09:12:44Z',"
			 "'lastTransitionTime':'2026-11-30T09:11:02Z','reason':'NewReplicaSetAvailable',"
			 "'message':'ReplicaSet \\\"web-7c9f8d6b5\\\" has successfully progressed.'}]}"),
	      GT_HEALTH_HEALTHY, "", "Deployment rolled out");
	check(deployment("5", "",
			 "{'observedGeneration':4,'replicas':3,'updatedReplicas':3,'readyReplicas':3,'availableReplicas':3}"),
	      GT_HEALTH_PROGRESSING,
	      "Waiting for rollout to finish: observed deployment generation less than desired generation",
	      "Deployment whose new spec the controller has not seen");
	check(deployment("5", "",
			 "{'observedGeneration':5,'replicas':4,'updatedReplicas':1,'readyReplicas':3,'availableReplicas':3,"
			 "'unavailableReplicas':1,'conditions':[" COND_AVAILABLE_TRUE ",{'type':'Progressing','status':'True',"
			 "'reason':'ReplicaSetUpdated','message':'ReplicaSet \\\"web-5d8b9c7f4\\\" is progressing.'}]}"),
	      GT_HEALTH_PROGRESSING, "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...",
	      "Deployment mid-rollout");
	check(deployment("5", "",
			 "{'observedGeneration':5,'replicas':4,'updatedReplicas':3,'readyReplicas':4,'availableReplicas':4}"),
	      GT_HEALTH_PROGRESSING, "Waiting for rollout to finish: 1 old replicas are pending termination...",
	      "Deployment with an old pod left");
	check(deployment("5", "",
			 "{'observedGeneration':5,'replicas':3,'updatedReplicas':3,'readyReplicas':2,'availableReplicas':2}"),
	      GT_HEALTH_PROGRESSING, "Waiting for rollout to finish: 2 of 3 updated replicas are available...",
	      "Deployment with a pod not available yet");
	check(deployment("6", "",
			 "{'observedGeneration':6,'replicas':4,'updatedReplicas':1,'readyReplicas':3,'availableReplicas':3,"
			 "'unavailableReplicas':1,'conditions':[" COND_AVAILABLE_TRUE ",{'type':'Progressing','status':'False',"
			 "'lastUpdateTime':'2026-11-30T09:32:10Z','lastTransitionTime':'2026-11-30T09:32:10Z',"
			 "'reason':'ProgressDeadlineExceeded','message':'ReplicaSet \\\"web-6f4d9b8c7\\\" has timed out progressing.'}]}"),
	      GT_HEALTH_DEGRADED, "Deployment \"web\" exceeded its progress deadline", "Deployment past its progress deadline");
	check(deployment("7", "'paused':true,",
			 "{'observedGeneration':7,'replicas':3,'updatedReplicas':0,'availableReplicas':3}"),
	      GT_HEALTH_SUSPENDED, "Deployment is paused", "paused Deployment");
	check(deployment("1", "", "{}"), GT_HEALTH_PROGRESSING, NULL, "Deployment just created, no status yet");
	check(deployment("3", "",
			 "{'observedGeneration':3,'replicas':3,'updatedReplicas':3,'readyReplicas':3,'availableReplicas':3}")
		      /* a scaled-to-zero Deployment has no replicas fields at all */,
	      GT_HEALTH_HEALTHY, NULL, "Deployment without conditions");
	check("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'idle','generation':2},"
	      "'spec':{'replicas':0},'status':{'observedGeneration':2}}",
	      GT_HEALTH_HEALTHY, "", "Deployment scaled to zero");
}

static void test_statefulset(void)
{
	const char *head = "{'apiVersion':'apps/v1','kind':'StatefulSet','metadata':{'name':'db','namespace':'prod','generation':2},";
	char b[2048];
	snprintf(b, sizeof(b), "%s'spec':{'replicas':3,'serviceName':'db','updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'partition':0}}},"
		 "'status':{'observedGeneration':2,'replicas':3,'readyReplicas':3,'currentReplicas':3,'updatedReplicas':3,"
		 "'availableReplicas':3,'currentRevision':'db-7d4c9b6f5','updateRevision':'db-7d4c9b6f5','collisionCount':0}}", head);
	check(b, GT_HEALTH_HEALTHY, "partitioned roll out complete: 3 new pods have been updated...", "StatefulSet ready");
	snprintf(b, sizeof(b), "%s'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'partition':0}}},"
		 "'status':{'observedGeneration':2,'replicas':3,'readyReplicas':2,'currentReplicas':2,'updatedReplicas':1,"
		 "'currentRevision':'db-7d4c9b6f5','updateRevision':'db-59b8d7c66'}}", head);
	check(b, GT_HEALTH_PROGRESSING, "Waiting for 1 pods to be ready...", "StatefulSet with a pod not ready");
	snprintf(b, sizeof(b), "%s'spec':{'replicas':3,'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'partition':1}}},"
		 "'status':{'observedGeneration':2,'replicas':3,'readyReplicas':3,'updatedReplicas':1,"
		 "'currentRevision':'db-7d4c9b6f5','updateRevision':'db-59b8d7c66'}}", head);
	check(b, GT_HEALTH_PROGRESSING, "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...",
	      "StatefulSet partitioned rollout under way");
	snprintf(b, sizeof(b), "%s'spec':{'replicas':2,'updateStrategy':{'type':'OnDelete'}},"
		 "'status':{'observedGeneration':2,'replicas':2,'readyReplicas':2,'currentRevision':'a','updateRevision':'b'}}", head);
	check(b, GT_HEALTH_HEALTHY, "statefulset has 2 ready pods", "StatefulSet OnDelete");
	snprintf(b, sizeof(b), "%s'spec':{'replicas':2,'updateStrategy':{'type':'RollingUpdate'}},"
		 "'status':{'observedGeneration':2,'replicas':2,'readyReplicas':2,'currentReplicas':1,'updatedReplicas':1,"
		 "'currentRevision':'db-a','updateRevision':'db-b'}}", head);
	check(b, GT_HEALTH_PROGRESSING, "waiting for statefulset rolling update to complete 1 pods at revision db-b...",
	      "StatefulSet RollingUpdate without rollingUpdate block, revisions differ");
	snprintf(b, sizeof(b), "%s'spec':{'replicas':2},'status':{'observedGeneration':1,'replicas':2,'readyReplicas':2}}", head);
	check(b, GT_HEALTH_PROGRESSING, "Waiting for statefulset spec update to be observed...", "StatefulSet generation ahead");
}

static void test_daemonset(void)
{
	check("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'node-exporter','namespace':'monitoring','generation':3},"
	      "'spec':{'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':1,'maxSurge':0}}},"
	      "'status':{'currentNumberScheduled':4,'numberMisscheduled':0,'desiredNumberScheduled':4,'numberReady':4,"
	      "'observedGeneration':3,'updatedNumberScheduled':4,'numberAvailable':4}}",
	      GT_HEALTH_HEALTHY, "", "DaemonSet on every node");
	check("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'node-exporter','generation':4},"
	      "'spec':{'updateStrategy':{'type':'RollingUpdate'}},'status':{'desiredNumberScheduled':4,"
	      "'observedGeneration':4,'updatedNumberScheduled':2,'numberAvailable':4,'numberReady':4}}",
	      GT_HEALTH_PROGRESSING,
	      "Waiting for daemon set \"node-exporter\" rollout to finish: 2 out of 4 new pods have been updated...",
	      "DaemonSet rolling");
	check("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'ne','generation':4},"
	      "'spec':{'updateStrategy':{'type':'RollingUpdate'}},'status':{'desiredNumberScheduled':4,"
	      "'observedGeneration':4,'updatedNumberScheduled':4,'numberAvailable':3,'numberUnavailable':1}}",
	      GT_HEALTH_PROGRESSING, "Waiting for daemon set \"ne\" rollout to finish: 3 of 4 updated pods are available...",
	      "DaemonSet with a pod unavailable");
	check("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'ne','generation':5},"
	      "'spec':{'updateStrategy':{'type':'OnDelete'}},'status':{'desiredNumberScheduled':4,"
	      "'observedGeneration':5,'updatedNumberScheduled':1,'numberAvailable':4}}",
	      GT_HEALTH_HEALTHY, "daemon set 1 out of 4 new pods have been updated", "DaemonSet OnDelete");
	check("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'ne','generation':5},"
	      "'spec':{'updateStrategy':{'type':'OnDelete'}},'status':{'observedGeneration':4}}",
	      GT_HEALTH_PROGRESSING, NULL, "DaemonSet generation ahead");
}

static void test_replicaset(void)
{
	check("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web-7c9f8d6b5','namespace':'prod','generation':1,"
	      "'ownerReferences':[{'apiVersion':'apps/v1','kind':'Deployment','name':'web','controller':true}]},"
	      "'spec':{'replicas':3},'status':{'replicas':3,'fullyLabeledReplicas':3,'readyReplicas':3,'availableReplicas':3,'observedGeneration':1}}",
	      GT_HEALTH_HEALTHY, "", "ReplicaSet full");
	check("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web-7c9f8d6b5','generation':1},"
	      "'spec':{'replicas':3},'status':{'replicas':1,'availableReplicas':1,'observedGeneration':1,"
	      "'conditions':[{'type':'ReplicaFailure','status':'True','lastTransitionTime':'2026-11-30T10:01:17Z','reason':'FailedCreate',"
	      "'message':'pods \\\"web-7c9f8d6b5-x2k9q\\\" is forbidden: exceeded quota: compute, requested: limits.cpu=500m, used: limits.cpu=2, limited: limits.cpu=2'}]}}",
	      GT_HEALTH_DEGRADED,
	      "pods \"web-7c9f8d6b5-x2k9q\" is forbidden: exceeded quota: compute, requested: limits.cpu=500m, used: limits.cpu=2, limited: limits.cpu=2",
	      "ReplicaSet over quota");
	check("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'r','generation':1},"
	      "'spec':{'replicas':3},'status':{'replicas':3,'availableReplicas':2,'observedGeneration':1}}",
	      GT_HEALTH_PROGRESSING, "Waiting for rollout to finish: 2 out of 3 new replicas are available...", "ReplicaSet filling");
	check("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'r','generation':2},'spec':{'replicas':3},'status':{'observedGeneration':1}}",
	      GT_HEALTH_PROGRESSING, NULL, "ReplicaSet generation ahead");
}

#define POD_HEAD "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'web-7c9f8d6b5-4xq2z','namespace':'prod'},"
#define POD_READY_CONDS "'conditions':[{'type':'Initialized','status':'True'},{'type':'Ready','status':'True'},{'type':'ContainersReady','status':'True'},{'type':'PodScheduled','status':'True'}]"

static void test_pod(void)
{
	check(POD_HEAD "'spec':{'restartPolicy':'Always','containers':[{'name':'web','image':'web:1.4.2'}]},"
	      "'status':{'phase':'Running'," POD_READY_CONDS ",'hostIP':'10.0.3.17','podIP':'10.244.1.23',"
	      "'containerStatuses':[{'name':'web','ready':true,'restartCount':0,'started':true,'state':{'running':{'startedAt':'2026-11-30T09:12:40Z'}}}]}}",
	      GT_HEALTH_HEALTHY, "", "Pod running and ready");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Running','conditions':[{'type':'Ready','status':'False','reason':'ContainersNotReady'}],"
	      "'containerStatuses':[{'name':'web','ready':false,'restartCount':5,'lastState':{'terminated':{'exitCode':1,'reason':'Error',"
	      "'startedAt':'2026-11-30T09:20:01Z','finishedAt':'2026-11-30T09:20:03Z'}},'state':{'waiting':{'reason':'CrashLoopBackOff',"
	      "'message':'back-off 2m40s restarting failed container=web pod=web-7c9f8d6b5-4xq2z_prod(5e0c7a52-1b8e-4e2f-9d6b-2f0c1e4a7b33)'}}}]}}",
	      GT_HEALTH_DEGRADED,
	      "back-off 2m40s restarting failed container=web pod=web-7c9f8d6b5-4xq2z_prod(5e0c7a52-1b8e-4e2f-9d6b-2f0c1e4a7b33)",
	      "Pod in CrashLoopBackOff");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'True'}],"
	      "'containerStatuses':[{'name':'web','ready':false,'state':{'waiting':{'reason':'ImagePullBackOff','message':'Back-off pulling image \\\"web:1.4.3\\\"'}}},"
	      "{'name':'sidecar','ready':false,'state':{'waiting':{'reason':'ErrImagePull','message':'rpc error: code = NotFound'}}}]}}",
	      GT_HEALTH_DEGRADED, "Back-off pulling image \"web:1.4.3\", rpc error: code = NotFound", "Pod that cannot pull its images");
	check(POD_HEAD "'spec':{'restartPolicy':'Never'},'status':{'phase':'Pending',"
	      "'containerStatuses':[{'name':'migrate','ready':false,'state':{'waiting':{'reason':'ImagePullBackOff','message':'Back-off pulling image'}}}]}}",
	      GT_HEALTH_PROGRESSING, "", "hook Pod (Never) in ImagePullBackOff is only Progressing");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'False',"
	      "'reason':'Unschedulable','message':'0/3 nodes are available: 3 Insufficient memory.'}]}}",
	      GT_HEALTH_PROGRESSING, "", "Pod not scheduled yet");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Running','conditions':[{'type':'Ready','status':'False'}],"
	      "'containerStatuses':[{'name':'web','ready':false,'state':{'running':{'startedAt':'2026-11-30T09:12:40Z'}}}]}}",
	      GT_HEALTH_PROGRESSING, NULL, "Pod running, readiness probe not passed yet");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Running','conditions':[{'type':'Ready','status':'False'}],"
	      "'containerStatuses':[{'name':'web','ready':false,'restartCount':1,'lastState':{'terminated':{'exitCode':137,'reason':'OOMKilled'}},"
	      "'state':{'running':{'startedAt':'2026-11-30T09:14:00Z'}}}]}}",
	      GT_HEALTH_DEGRADED, NULL, "Pod restarted after a crash, not ready");
	check(POD_HEAD "'spec':{'restartPolicy':'OnFailure'},'status':{'phase':'Running'}}", GT_HEALTH_PROGRESSING, NULL,
	      "hook Pod (OnFailure) running");
	check(POD_HEAD "'spec':{'restartPolicy':'Never'},'status':{'phase':'Succeeded','containerStatuses':[{'name':'migrate',"
	      "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}",
	      GT_HEALTH_HEALTHY, "", "hook Pod succeeded");
	check(POD_HEAD "'spec':{'restartPolicy':'Never'},'status':{'phase':'Failed','containerStatuses':[{'name':'migrate',"
	      "'state':{'terminated':{'exitCode':3,'reason':'Error'}}}]}}",
	      GT_HEALTH_DEGRADED, "container \"migrate\" failed with exit code 3", "Pod failed with an exit code");
	check(POD_HEAD "'spec':{'restartPolicy':'Never'},'status':{'phase':'Failed','initContainerStatuses':[{'name':'wait-db',"
	      "'state':{'terminated':{'exitCode':137,'reason':'OOMKilled'}}}]}}",
	      GT_HEALTH_DEGRADED, "OOMKilled", "Pod whose init container was OOM-killed");
	check(POD_HEAD "'spec':{'restartPolicy':'Never'},'status':{'phase':'Failed','containerStatuses':[{'name':'m',"
	      "'state':{'terminated':{'exitCode':1,'reason':'Error','message':'relation \\\"users\\\" already exists'}}}]}}",
	      GT_HEALTH_DEGRADED, "relation \"users\" already exists", "Pod failed with a termination message");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Failed','reason':'Evicted',"
	      "'message':'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.'}}",
	      GT_HEALTH_DEGRADED, "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.", "evicted Pod");
	check(POD_HEAD "'spec':{'restartPolicy':'Always'},'status':{'phase':'Unknown'}}", GT_HEALTH_UNKNOWN, NULL,
	      "Pod on a lost node");
}

static void test_service_ingress(void)
{
	check("{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','namespace':'prod'},'spec':{'type':'ClusterIP','clusterIP':'10.96.14.7',"
	      "'ports':[{'name':'http','port':80,'protocol':'TCP','targetPort':8080}]},'status':{'loadBalancer':{}}}",
	      GT_HEALTH_HEALTHY, "", "ClusterIP Service");
	check("{'apiVersion':'v1','kind':'Service','metadata':{'name':'web-public','namespace':'prod'},'spec':{'type':'LoadBalancer',"
	      "'ports':[{'port':443,'protocol':'TCP','targetPort':8443,'nodePort':31443}]},'status':{'loadBalancer':{}}}",
	      GT_HEALTH_PROGRESSING, "", "LoadBalancer Service waiting for an address");
	check("{'apiVersion':'v1','kind':'Service','metadata':{'name':'web-public'},'spec':{'type':'LoadBalancer'},"
	      "'status':{'loadBalancer':{'ingress':[{'ip':'203.0.113.10','ipMode':'VIP'}]}}}",
	      GT_HEALTH_HEALTHY, "", "LoadBalancer Service with an address");
	check("{'apiVersion':'networking.k8s.io/v1','kind':'Ingress','metadata':{'name':'web','namespace':'prod','generation':1},"
	      "'spec':{'ingressClassName':'nginx','rules':[{'host':'web.example.com','http':{'paths':[{'path':'/','pathType':'Prefix',"
	      "'backend':{'service':{'name':'web','port':{'number':80}}}}]}}]},'status':{'loadBalancer':{'ingress':[{'hostname':'lb-1.example.net'}]}}}",
	      GT_HEALTH_HEALTHY, "", "Ingress with an address");
	check("{'apiVersion':'networking.k8s.io/v1','kind':'Ingress','metadata':{'name':'web'},'spec':{},'status':{'loadBalancer':{}}}",
	      GT_HEALTH_PROGRESSING, "", "Ingress without an address");
}

static void test_pvc(void)
{
	check("{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'data-db-0','namespace':'prod'},"
	      "'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'10Gi'}},'storageClassName':'standard',"
	      "'volumeMode':'Filesystem','volumeName':'pvc-6a1c2f0e'},'status':{'phase':'Bound','accessModes':['ReadWriteOnce'],"
	      "'capacity':{'storage':'10Gi'}}}",
	      GT_HEALTH_HEALTHY, "", "PVC bound");
	check("{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'d'},'status':{'phase':'Pending'}}",
	      GT_HEALTH_PROGRESSING, "", "PVC pending");
	check("{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'d'},'status':{'phase':'Lost'}}",
	      GT_HEALTH_DEGRADED, "", "PVC lost");
	check("{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'d'}}", GT_HEALTH_UNKNOWN, "",
	      "PVC without a phase");
}

static void test_job(void)
{
	check("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'db-migrate','namespace':'prod','generation':1},"
	      "'spec':{'backoffLimit':2,'completions':1,'parallelism':1,'suspend':false},'status':{'startTime':'2026-11-30T09:10:00Z',"
	      "'completionTime':'2026-11-30T09:10:31Z','succeeded':1,'ready':0,'terminating':0,'uncountedTerminatedPods':{},"
	      "'conditions':[{'type':'SuccessCriteriaMet','status':'True','lastProbeTime':'2026-11-30T09:10:31Z','lastTransitionTime':'2026-11-30T09:10:31Z'},"
	      "{'type':'Complete','status':'True','lastProbeTime':'2026-11-30T09:10:31Z','lastTransitionTime':'2026-11-30T09:10:31Z'}]}}",
	      GT_HEALTH_HEALTHY, "", "Job complete");
	check("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'db-migrate'},'spec':{'backoffLimit':2},"
	      "'status':{'startTime':'2026-11-30T09:10:00Z','active':1,'ready':1}}",
	      GT_HEALTH_PROGRESSING, "", "Job running");
	check("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'db-migrate'},'spec':{'backoffLimit':2},"
	      "'status':{'startTime':'2026-11-30T09:10:00Z','failed':3,'conditions':[{'type':'FailureTarget','status':'True',"
	      "'reason':'BackoffLimitExceeded','message':'Job has reached the specified backoff limit'},{'type':'Failed','status':'True',"
	      "'lastProbeTime':'2026-11-30T09:12:02Z','lastTransitionTime':'2026-11-30T09:12:02Z','reason':'BackoffLimitExceeded',"
	      "'message':'Job has reached the specified backoff limit'}]}}",
	      GT_HEALTH_DEGRADED, "Job has reached the specified backoff limit", "Job failed");
	check("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'report'},'spec':{'suspend':true},"
	      "'status':{'conditions':[{'type':'Suspended','status':'True','reason':'JobSuspended','message':'Job suspended'}]}}",
	      GT_HEALTH_SUSPENDED, "Job suspended", "Job suspended");
	check("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'report'},'spec':{'suspend':false},"
	      "'status':{'active':1,'conditions':[{'type':'Suspended','status':'False','reason':'JobResumed','message':'Job resumed'}]}}",
	      GT_HEALTH_HEALTHY, "Job resumed", "Job resumed (Argo CD: a Suspended condition counts as complete)");
}

static void test_hpa(void)
{
	check("{'apiVersion':'autoscaling/v2','kind':'HorizontalPodAutoscaler','metadata':{'name':'web','namespace':'prod'},"
	      "'spec':{'minReplicas':2,'maxReplicas':10,'scaleTargetRef':{'apiVersion':'apps/v1','kind':'Deployment','name':'web'}},"
	      "'status':{'currentReplicas':3,'desiredReplicas':3,'conditions':["
	      "{'type':'AbleToScale','status':'True','reason':'ReadyForNewScale','message':'recommended size matches current size'},"
	      "{'type':'ScalingActive','status':'True','reason':'ValidMetricFound','message':'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)'},"
	      "{'type':'ScalingLimited','status':'False','reason':'DesiredWithinRange','message':'the desired count is within the acceptable range'}]}}",
	      GT_HEALTH_HEALTHY, "recommended size matches current size", "HPA v2 scaling");
	check("{'apiVersion':'autoscaling/v2','kind':'HorizontalPodAutoscaler','metadata':{'name':'web'},"
	      "'status':{'currentReplicas':2,'desiredReplicas':0,'conditions':["
	      "{'type':'ScalingActive','status':'False','reason':'FailedGetResourceMetric','message':'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API'},"
	      "{'type':'AbleToScale','status':'True','reason':'SucceededGetScale','message':'the HPA controller was able to get the target'}]}}",
	      GT_HEALTH_DEGRADED,
	      "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
	      "HPA v2 without metrics");
	check("{'apiVersion':'autoscaling/v2','kind':'HorizontalPodAutoscaler','metadata':{'name':'web'},'status':{'currentReplicas':0,'desiredReplicas':0}}",
	      GT_HEALTH_PROGRESSING, "Waiting to Autoscale", "HPA v2 not yet processed");
	check("{'apiVersion':'autoscaling/v1','kind':'HorizontalPodAutoscaler','metadata':{'name':'web','annotations':{"
	      "'autoscaling.alpha.kubernetes.io/conditions':'[{\\'type\\':\\'AbleToScale\\',\\'status\\':\\'False\\',\\'lastTransitionTime\\':\\'2026-11-30T09:00:00Z\\',"
	      "\\'reason\\':\\'FailedGetScale\\',\\'message\\':\\'deployments/scale.apps \\\\\\'web\\\\\\' not found\\'}]'}},"
	      "'spec':{'maxReplicas':5},'status':{'currentReplicas':0,'desiredReplicas':0}}",
	      GT_HEALTH_DEGRADED, "deployments/scale.apps \"web\" not found", "HPA v1 conditions from the annotation");
	check("{'apiVersion':'autoscaling/v1','kind':'HorizontalPodAutoscaler','metadata':{'name':'web'},'status':{'currentReplicas':2}}",
	      GT_HEALTH_PROGRESSING, "Waiting to Autoscale", "HPA v1 without the annotation");
}

static void test_apiservice(void)
{
	check("{'apiVersion':'apiregistration.k8s.io/v1','kind':'APIService','metadata':{'name':'v1beta1.metrics.k8s.io'},"
	      "'spec':{'group':'metrics.k8s.io','version':'v1beta1','service':{'name':'metrics-server','namespace':'kube-system','port':443},"
	      "'groupPriorityMinimum':100,'versionPriority':100,'insecureSkipTLSVerify':true},'status':{'conditions':[{'type':'Available',"
	      "'status':'True','lastTransitionTime':'2026-11-30T08:00:00Z','reason':'Passed','message':'all checks passed'}]}}",
	      GT_HEALTH_HEALTHY, "Passed: all checks passed", "APIService available");
	check("{'apiVersion':'apiregistration.k8s.io/v1','kind':'APIService','metadata':{'name':'v1beta1.metrics.k8s.io'},"
	      "'status':{'conditions':[{'type':'Available','status':'False','reason':'MissingEndpoints',"
	      "'message':'endpoints for service/metrics-server in \\\"kube-system\\\" have no addresses with port name \\\"https\\\"'}]}}",
	      GT_HEALTH_PROGRESSING,
	      "MissingEndpoints: endpoints for service/metrics-server in \"kube-system\" have no addresses with port name \"https\"",
	      "APIService without endpoints");
	check("{'apiVersion':'apiregistration.k8s.io/v1','kind':'APIService','metadata':{'name':'v1.apps'}}",
	      GT_HEALTH_PROGRESSING, "Waiting to be processed", "APIService not processed");
}

static void test_custom_and_others(void)
{
	check("{'apiVersion':'argoproj.io/v1alpha1','kind':'Application','metadata':{'name':'guestbook','namespace':'argocd'},"
	      "'status':{'sync':{'status':'Synced'},'health':{'status':'Degraded','message':'1 of 3 resources degraded'}}}",
	      GT_HEALTH_DEGRADED, "1 of 3 resources degraded", "Argo CD Application reports its own health");
	check("{'apiVersion':'argoproj.io/v1alpha1','kind':'Application','metadata':{'name':'guestbook'},'spec':{}}",
	      GT_HEALTH_PROGRESSING, "", "Argo CD Application not reconciled yet");
	check("{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition','metadata':{'name':'certificates.cert-manager.io','generation':1},"
	      "'status':{'acceptedNames':{'kind':'Certificate','plural':'certificates'},'conditions':["
	      "{'type':'NamesAccepted','status':'True','reason':'NoConflicts','message':'no conflicts found'},"
	      "{'type':'Established','status':'True','reason':'InitialNamesAccepted','message':'the initial names have been accepted'}]}}",
	      GT_HEALTH_HEALTHY, "CRD is healthy", "CRD established");
	check("{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition','metadata':{'name':'certificates.cert-manager.io'},"
	      "'status':{'conditions':[{'type':'NamesAccepted','status':'True'},{'type':'Established','status':'False','reason':'Installing'}]}}",
	      GT_HEALTH_PROGRESSING, "CRD is being installed", "CRD not established yet");
	check("{'apiVersion':'cert-manager.io/v1','kind':'Certificate','metadata':{'name':'web-tls','namespace':'prod','generation':2},"
	      "'status':{'conditions':[{'type':'Ready','status':'True','lastTransitionTime':'2026-11-30T09:00:00Z','observedGeneration':2,"
	      "'reason':'Ready','message':'Certificate is up to date and has not expired'}],'notAfter':'2027-02-28T09:00:00Z'}}",
	      GT_HEALTH_HEALTHY, "Certificate is up to date and has not expired", "custom resource Ready");
	check("{'apiVersion':'kustomize.toolkit.fluxcd.io/v1','kind':'Kustomization','metadata':{'name':'apps','generation':3},"
	      "'status':{'observedGeneration':3,'conditions':[{'type':'Reconciling','status':'True','reason':'Progressing','message':'Reconciliation in progress'},"
	      "{'type':'Ready','status':'Unknown','reason':'Progressing','message':'Reconciliation in progress'}]}}",
	      GT_HEALTH_PROGRESSING, "Reconciliation in progress", "custom resource Reconciling");
	check("{'apiVersion':'kustomize.toolkit.fluxcd.io/v1','kind':'Kustomization','metadata':{'name':'apps','generation':3},"
	      "'status':{'observedGeneration':3,'conditions':[{'type':'Stalled','status':'True','reason':'BuildFailed','message':'kustomize build failed'},"
	      "{'type':'Ready','status':'False','reason':'BuildFailed','message':'kustomize build failed'}]}}",
	      GT_HEALTH_DEGRADED, "kustomize build failed", "custom resource Stalled");
	check("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w','generation':4},"
	      "'status':{'observedGeneration':3,'conditions':[{'type':'Ready','status':'True'}]}}",
	      GT_HEALTH_PROGRESSING, "Waiting for spec update to be observed", "custom resource with a new spec");
	check("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'size':3}}", GT_HEALTH_HEALTHY, "",
	      "custom resource without status: no rule");
	check("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'web-config','namespace':'prod'},'data':{'mode':'fast'}}",
	      GT_HEALTH_HEALTHY, "", "ConfigMap: no rule is Healthy, as in Argo CD");
	check("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'old','generation':3,'deletionTimestamp':'2026-11-30T10:00:00Z',"
	      "'finalizers':['foregroundDeletion']},'spec':{'replicas':1},'status':{'observedGeneration':3,'replicas':1,'updatedReplicas':1,'availableReplicas':1}}",
	      GT_HEALTH_PROGRESSING, "Pending deletion", "object being deleted");
	check("{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'hook','deletionTimestamp':'2026-11-30T10:00:00Z',"
	      "'finalizers':['argocd.argoproj.io/hook-finalizer']},'status':{'conditions':[{'type':'Complete','status':'True'}]}}",
	      GT_HEALTH_HEALTHY, NULL, "hook held by Argo CD's finalizer is judged by its rule");
	check("{'kind':'Deployment','metadata':{'name':'x'}}", GT_HEALTH_UNKNOWN, NULL, "no apiVersion");
}

/* ---- Argo CD 2026 (gitops-engine inside argo-cd, and its bundled Lua checks for Kubernetes' own kinds) ---- */

#define HPA_V2_HEAD "{'apiVersion':'autoscaling/v2','kind':'HorizontalPodAutoscaler','metadata':{'name':'orders','namespace':'shop'}," \
	"'spec':{'minReplicas':2,'maxReplicas':8,'scaleTargetRef':{'apiVersion':'apps/v1','kind':'Deployment','name':'orders'}},"

static void test_hpa_failure_anywhere(void)
{
	check(HPA_V2_HEAD "'status':{'currentReplicas':2,'desiredReplicas':2,'conditions':["
	      "{'type':'AbleToScale','status':'True','reason':'SucceededGetScale','message':'the HPA controller was able to get the target current scale'},"
	      "{'type':'ScalingActive','status':'False','reason':'FailedGetObjectMetric','message':'the HPA was unable to compute the replica count: unable to get metric requests-per-second: Ingress on shop orders/object metrics are not available'}]}}",
	      GT_HEALTH_DEGRADED,
	      "the HPA was unable to compute the replica count: unable to get metric requests-per-second: Ingress on shop orders/object metrics are not available",
	      "HPA v2: a failure condition after a healthy AbleToScale still degrades it");
	check(HPA_V2_HEAD "'status':{'currentReplicas':8,'desiredReplicas':8,'conditions':["
	      "{'type':'ScalingLimited','status':'True','reason':'TooManyReplicas','message':'the desired replica count is more than the maximum replica count'},"
	      "{'type':'AbleToScale','status':'False','reason':'FailedUpdateScale','message':'the HPA controller was unable to update the target scale: conflict'}]}}",
	      GT_HEALTH_DEGRADED, "the HPA controller was unable to update the target scale: conflict",
	      "HPA v2: a failed scale update after ScalingLimited True");
	check(HPA_V2_HEAD "'status':{'currentReplicas':8,'desiredReplicas':8,'conditions':["
	      "{'type':'ScalingActive','status':'True','reason':'ValidMetricFound','message':'the HPA was able to successfully calculate a replica count'},"
	      "{'type':'ScalingLimited','status':'True','reason':'TooManyReplicas','message':'the desired replica count is more than the maximum replica count'}]}}",
	      GT_HEALTH_HEALTHY, "the desired replica count is more than the maximum replica count",
	      "HPA v2: at its maximum, nothing failing: Healthy with the ScalingLimited message");
	check("{'apiVersion':'autoscaling/v1','kind':'HorizontalPodAutoscaler','metadata':{'name':'orders','annotations':{"
	      "'autoscaling.alpha.kubernetes.io/conditions':'[{\\'type\\':\\'AbleToScale\\',\\'status\\':\\'True\\',\\'reason\\':\\'ReadyForNewScale\\',"
	      "\\'message\\':\\'recommended size matches current size\\'},{\\'type\\':\\'ScalingActive\\',\\'status\\':\\'False\\',"
	      "\\'reason\\':\\'FailedGetExternalMetric\\',\\'message\\':\\'unable to get external metric shop/queue_depth\\'}]'}},"
	      "'spec':{'maxReplicas':8},'status':{'currentReplicas':2,'desiredReplicas':2}}",
	      GT_HEALTH_DEGRADED, "unable to get external metric shop/queue_depth",
	      "HPA v1: the same order in the annotation, Degraded too");
}

#define POD_NEVER(annotations, status) \
	"{'apiVersion':'v1','kind':'Pod','metadata':{'name':'kafka-broker-0','namespace':'streams','annotations':{" annotations "}}," \
	"'spec':{'restartPolicy':'Never','containers':[{'name':'broker','image':'kafka:3.9'}]},'status':" status "}"
#define POD_RUNNING_READY "{'phase':'Running'," POD_READY_CONDS ",'message':'','containerStatuses':[{'name':'broker','ready':true,'state':{'running':{}}}]}"

static void test_pod_ignore_restart_policy(void)
{
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'true'", POD_RUNNING_READY), GT_HEALTH_HEALTHY, "",
	      "Pod Never, ignore-restart-policy, running and ready: Healthy, as a long-running Pod");
	check(POD_NEVER("", POD_RUNNING_READY), GT_HEALTH_PROGRESSING, "",
	      "the same Pod without the annotation: Progressing (it is expected to finish)");
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'yes'", POD_RUNNING_READY), GT_HEALTH_PROGRESSING, NULL,
	      "the annotation counts only as \"true\"");
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'true','argocd.argoproj.io/hook':'PreSync'", POD_RUNNING_READY),
	      GT_HEALTH_PROGRESSING, NULL, "a hook Pod: the annotation is not honoured");
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'true','helm.sh/hook':'pre-upgrade'", POD_RUNNING_READY),
	      GT_HEALTH_PROGRESSING, NULL, "a Helm hook Pod: not honoured either");
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'true','argocd.argoproj.io/hook':'Skip'", POD_RUNNING_READY),
	      GT_HEALTH_HEALTHY, NULL, "hook Skip alone is no hook: honoured");
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'true'",
			"{'phase':'Running','conditions':[{'type':'Ready','status':'False'}],'containerStatuses':[{'name':'broker','ready':false,"
			"'state':{'waiting':{'reason':'CreateContainerConfigError','message':'secret \\\"broker-tls\\\" not found'}}}]}"),
	      GT_HEALTH_DEGRADED, "secret \"broker-tls\" not found", "with the annotation, a container in error is Degraded");
	check(POD_NEVER("'argocd.argoproj.io/ignore-restart-policy':'true'",
			"{'phase':'Running','conditions':[{'type':'Ready','status':'False'}],'message':'',"
			"'containerStatuses':[{'name':'broker','ready':false,'lastState':{'terminated':{'exitCode':1,'reason':'Error'}},'state':{'running':{}}}]}"),
	      GT_HEALTH_DEGRADED, NULL, "with the annotation, not ready after a crash is Degraded");
}

#define WORKFLOW(status) "{'apiVersion':'argoproj.io/v1alpha1','kind':'Workflow','metadata':{'name':'nightly-etl-x7k2p','namespace':'batch'}," \
	"'spec':{'entrypoint':'main','templates':[{'name':'main','container':{'image':'etl:2.1'}}]}" status "}"

static void test_workflow(void)
{
	check(WORKFLOW(",'status':{'phase':'Running','message':'step extract is running','startedAt':'2026-12-01T02:00:00Z'}"),
	      GT_HEALTH_PROGRESSING, "step extract is running", "Workflow Running: Progressing with its message");
	check(WORKFLOW(",'status':{'phase':'Pending'}"), GT_HEALTH_PROGRESSING, "", "Workflow Pending");
	check(WORKFLOW(""), GT_HEALTH_PROGRESSING, "", "Workflow not yet picked up (no status)");
	check(WORKFLOW(",'status':{'phase':'Succeeded','message':'all 4 steps done'}"), GT_HEALTH_HEALTHY, "all 4 steps done",
	      "Workflow Succeeded");
	check(WORKFLOW(",'status':{'phase':'Failed','message':'child nightly-etl-x7k2p-load failed with exit code 2'}"),
	      GT_HEALTH_DEGRADED, "child nightly-etl-x7k2p-load failed with exit code 2", "Workflow Failed");
	check(WORKFLOW(",'status':{'phase':'Error','message':'pod deleted'}"), GT_HEALTH_DEGRADED, "pod deleted", "Workflow Error");
	check(WORKFLOW(",'status':{'phase':'Paused'}"), GT_HEALTH_UNKNOWN, "", "Workflow in a phase Argo CD does not know");
}

#define CRD(conds) "{'apiVersion':'apiextensions.k8s.io/v1','kind':'CustomResourceDefinition','metadata':{'name':'widgets.example.com'}," \
	"'spec':{'group':'example.com','names':{'kind':'Widget','plural':'widgets'},'scope':'Namespaced'},'status':" conds "}"

static void test_crd(void)
{
	check(CRD("{}"), GT_HEALTH_PROGRESSING, "Status conditions not found", "CRD without conditions");
	check(CRD("{'conditions':[]}"), GT_HEALTH_PROGRESSING, "Status conditions not found", "CRD with an empty list");
	check(CRD("{'conditions':[{'type':'NamesAccepted','status':'False','reason':'KindConflict','message':'\\\"Widget\\\" is already in use'},"
		  "{'type':'Established','status':'False','reason':'NotAccepted','message':'not all names are accepted'}]}"),
	      GT_HEALTH_DEGRADED, "CRD names have not been accepted: \"Widget\" is already in use", "CRD whose names clash");
	check(CRD("{'conditions':[{'type':'NamesAccepted','status':'True','message':'no conflicts found'},"
		  "{'type':'NonStructuralSchema','status':'True','message':'spec.versions[0].schema.openAPIV3Schema.type: Required value'},"
		  "{'type':'Established','status':'True','message':'the initial names have been accepted'}]}"),
	      GT_HEALTH_DEGRADED, "Schema violations found: spec.versions[0].schema.openAPIV3Schema.type: Required value",
	      "CRD with a non-structural schema");
	check(CRD("{'conditions':[{'type':'Terminating','status':'True','message':'instances still exist'},"
		  "{'type':'Established','status':'True'}]}"),
	      GT_HEALTH_PROGRESSING, "CRD is terminating: instances still exist", "CRD terminating");
	check(CRD("{'conditions':[{'type':'NamesAccepted','status':'True'},{'type':'Established','status':'False','reason':'Unknown'}]}"),
	      GT_HEALTH_DEGRADED, "CRD is not established", "CRD that will not be established");
}

#define CRONJOB(spec, status) "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'backup','namespace':'db'}," \
	"'spec':{'schedule':'0 3 * * *'" spec ",'jobTemplate':{'spec':{'template':{'spec':{'restartPolicy':'OnFailure'}}}}}" status "}"

static void test_cronjob(void)
{
	check(CRONJOB(",'suspend':true", ",'status':{'lastScheduleTime':'2026-11-30T03:00:00Z'}"), GT_HEALTH_HEALTHY,
	      "CronJob is Suspended", "CronJob suspended: Healthy (Argo CD's choice)");
	check(CRONJOB("", ""), GT_HEALTH_PROGRESSING, "Waiting for CronJob", "CronJob without status");
	check(CRONJOB("", ",'status':{}"), GT_HEALTH_HEALTHY, "CronJob has not been scheduled yet", "CronJob not scheduled yet");
	check(CRONJOB("", ",'status':{'lastScheduleTime':'2026-12-01T03:00:00Z'}"), GT_HEALTH_HEALTHY,
	      "The CronJob never completed successfully. It may not be healthy", "CronJob whose first run has not succeeded (yet)");
	check(CRONJOB("", ",'status':{'active':[{'kind':'Job','name':'backup-29411820','namespace':'db'}],"
		      "'lastScheduleTime':'2026-12-01T03:00:00Z','lastSuccessfulTime':'2026-11-30T03:04:12Z'}"),
	      GT_HEALTH_HEALTHY, "The job is running. Its last execution may not have been successful", "CronJob running");
	check(CRONJOB("", ",'status':{'lastScheduleTime':'2026-12-01T03:00:00Z','lastSuccessfulTime':'2026-11-30T03:04:12Z'}"),
	      GT_HEALTH_DEGRADED, "CronJob has not completed its last execution successfully", "CronJob whose last run failed");
	check(CRONJOB("", ",'status':{'lastScheduleTime':'2026-12-01T03:00:00Z','lastSuccessfulTime':'2026-12-01T03:02:40Z'}"),
	      GT_HEALTH_HEALTHY, "CronJob has completed its last execution successfully", "CronJob whose last run succeeded");
}

#define PDB(status) "{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'orders','namespace':'shop'}," \
	"'spec':{'minAvailable':2,'selector':{'matchLabels':{'app':'orders'}}}" status "}"

static void test_pdb(void)
{
	check(PDB(""), GT_HEALTH_PROGRESSING, "Waiting for status", "PDB without status");
	check(PDB(",'status':{'currentHealthy':3,'desiredHealthy':2,'disruptionsAllowed':1,'expectedPods':3,'conditions':["
		  "{'type':'DisruptionAllowed','status':'True','reason':'SufficientPods','message':''}]}"),
	      GT_HEALTH_HEALTHY, "PodDisruptionBudget has SufficientPods", "PDB allowing disruptions");
	check(PDB(",'status':{'currentHealthy':1,'desiredHealthy':2,'disruptionsAllowed':0,'expectedPods':2,'conditions':["
		  "{'type':'DisruptionAllowed','status':'False','reason':'InsufficientPods','message':''}]}"),
	      GT_HEALTH_HEALTHY, "PodDisruptionBudget has InsufficientPods", "PDB with too few pods: still Healthy");
	check(PDB(",'status':{'conditions':[{'type':'DisruptionAllowed','status':'False','reason':'SyncFailed',"
		  "'message':'found no controllers for pod orders-0'}]}"),
	      GT_HEALTH_DEGRADED, "PodDisruptionBudget has SyncFailed", "PDB the controller cannot compute");
}

static void test_names_order_record(void)
{
	enum gt_health h;
	is_str(gt_health_name(GT_HEALTH_MISSING), "Missing", "name of Missing");
	ok(gt_health_parse("Suspended", &h) == 0 && h == GT_HEALTH_SUSPENDED, "parse Suspended");
	ok(gt_health_parse("healthy", &h) < 0, "names are case-sensitive, as in Argo CD");
	/* Argo CD's healthOrder: Healthy, Suspended, Progressing, Missing, Degraded, Unknown. */
	enum gt_health order[] = { GT_HEALTH_HEALTHY, GT_HEALTH_SUSPENDED, GT_HEALTH_PROGRESSING,
				   GT_HEALTH_MISSING, GT_HEALTH_DEGRADED, GT_HEALTH_UNKNOWN };
	for (int i = 0; i + 1 < 6; i++)
		ok(gt_health_worst(order[i], order[i + 1]) == order[i + 1] && gt_health_worst(order[i + 1], order[i]) == order[i + 1],
		   "%s is worse than %s", gt_health_name(order[i + 1]), gt_health_name(order[i]));
	enum gt_health agg = GT_HEALTH_HEALTHY;
	enum gt_health app[] = { GT_HEALTH_HEALTHY, GT_HEALTH_DEGRADED, GT_HEALTH_PROGRESSING, GT_HEALTH_SUSPENDED };
	for (int i = 0; i < 4; i++)
		agg = gt_health_worst(agg, app[i]);
	is_str(gt_health_name(agg), "Degraded", "aggregate of Healthy, Degraded, Progressing, Suspended");

	json_t *obj = J("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'prod'}}");
	struct gt_ref ref;
	gt_obj_ref(obj, &ref, NULL);
	json_t *rec = gt_health_record_new(&ref, gt_health_name(GT_HEALTH_PROGRESSING), "Waiting");
	char *text = json_dumps(rec, JSON_COMPACT);
	is_str(text,
	       "{\"apiVersion\":\"gitops/v1\",\"kind\":\"Health\",\"ref\":{\"group\":\"apps\",\"version\":\"v1\",\"kind\":"
	       "\"Deployment\",\"namespace\":\"prod\",\"name\":\"web\"},\"health\":\"Progressing\",\"message\":\"Waiting\"}",
	       "Health record: health, as in Result and Status records");
	ok(gt_health_record_status(rec, &h) == 0 && h == GT_HEALTH_PROGRESSING, "health read back from the record");
	ok(gt_health_record_status(obj, &h) < 0, "an object is not a Health record");
	json_t *old = J("{'apiVersion':'gitops/v1','kind':'Health','ref':{'kind':'Pod','name':'p'},'status':'Degraded'}");
	ok(gt_health_record_status(old, &h) == 0 && h == GT_HEALTH_DEGRADED, "an older Health record's status is its health");
	json_decref(old);
	free(text);
	json_decref(rec);
	json_decref(obj);
}

static void test_kind_has_rule(void)
{
	ok(gt_health_kind_has_rule("apps", "Deployment") && gt_health_kind_has_rule("", "Service") &&
		   gt_health_kind_has_rule("batch", "Job"),
	   "kinds judged in code have a rule: a missing one makes its app Missing");
	ok(!gt_health_kind_has_rule("", "ConfigMap") && !gt_health_kind_has_rule("batch", "CronJob") &&
		   !gt_health_kind_has_rule("argoproj.io", "Application"),
	   "a ConfigMap, a Lua-checked kind and an Application have none: missing, they do not count");
}

int main(void)
{
	test_kind_has_rule();
	test_deployment();
	test_statefulset();
	test_daemonset();
	test_replicaset();
	test_pod();
	test_service_ingress();
	test_pvc();
	test_job();
	test_hpa();
	test_apiservice();
	test_custom_and_others();
	test_hpa_failure_anywhere();
	test_pod_ignore_restart_policy();
	test_workflow();
	test_crd();
	test_cronjob();
	test_pdb();
	test_names_order_record();
	return tap_done();
}
